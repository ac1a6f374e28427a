import { randomUUID } from 'node:crypto';
import type { PeerIdentity, RoomGrants, RoomTokenClaims, SignalingNotification } from '@holocall/protocol';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import type { types } from 'mediasoup';
import { TypedEmitter } from '../events/typed-emitter';

export type PeerCloseReason =
  /** The client sent `leave`. */
  | 'left'
  /** The client's socket went away. */
  | 'disconnected'
  /** The same user joined the room again from another session. */
  | 'replaced'
  /** The room's media worker died; every mediasoup object of the peer is gone. */
  | 'worker_died'
  /** The room closed under the peer (SFU shutdown). */
  | 'room_closed';

export interface PeerEvents {
  close: [reason: PeerCloseReason];
}

/**
 * One joined session: who it is (from its room token, never from anything it sends later),
 * what it may do, and the mediasoup objects it owns. Closing a peer closes its transports,
 * which closes its producers and consumers.
 */
export class Peer extends TypedEmitter<PeerEvents> {
  readonly id: string = randomUUID();
  readonly identity: PeerIdentity;
  readonly grants: RoomGrants;
  readonly roomId: string;
  /** The client's RTP capabilities (`setCapabilities`), required before it consumes media. */
  rtpCapabilities: types.RtpCapabilities | undefined;
  readonly transports = new Map<string, types.WebRtcTransport>();
  /** Transports asked of the worker and not yet answered (they count against the per-user cap). */
  pendingTransports = 0;
  readonly producers = new Map<string, types.Producer>();
  /** Data producers this peer sends driver frames on, by id. */
  readonly dataProducers = new Map<string, types.DataProducer>();
  readonly consumers = new Map<string, types.Consumer>();
  readonly dataConsumers = new Map<string, types.DataConsumer>();
  private readonly deliver: (notification: SignalingNotification) => void;
  private isClosed = false;

  constructor(claims: RoomTokenClaims, notify: (notification: SignalingNotification) => void) {
    super();
    this.identity = { peerId: this.id, userId: claims.userId, avatarId: claims.avatarId };
    if (claims.displayName !== undefined) this.identity.displayName = claims.displayName;
    this.grants = claims.grants;
    this.roomId = claims.roomId;
    this.deliver = notify;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  notify(notification: SignalingNotification): void {
    if (!this.isClosed) this.deliver(notification);
  }

  /** One of this peer's own transports, or undefined (another peer's id is as unknown as a made-up one). */
  transport(transportId: string): types.WebRtcTransport | undefined {
    return this.transports.get(transportId);
  }

  close(reason: PeerCloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.emit('close', reason);
  }
}

/**
 * What a request is answered with when its peer closed (socket gone, replaced, worker died)
 * while the request awaited mediasoup; whatever it had just created is closed before this.
 */
export function sessionEnded(what: string): HolocallError {
  return new HolocallError(ErrorCode.Conflict, `the session ended while ${what}`);
}
