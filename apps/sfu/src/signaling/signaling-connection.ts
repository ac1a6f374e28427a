import {
  assertWithinSize,
  ErrorCode,
  HolocallError,
  JOIN_DEADLINE_MS,
  jsonByteLength,
  MAX_SIGNALING_MESSAGE_BYTES,
  MAX_SIGNALING_REQUESTS_PER_SECOND,
  parseMessage,
  SIGNALING_NOTIFICATION_EVENT,
  SIGNALING_REQUEST_BURST,
  SIGNALING_REQUEST_EVENT,
  type SignalingAck,
  type SignalingNotification,
  SignalingRequest,
  toWireError,
} from '@holocall/protocol';
import type { JWTVerifyGetKey } from 'jose';
import type { Socket } from 'socket.io';
import type { SfuConfig } from '../config/sfu-config';
import { type ConnectionQuotas, capReached } from '../limits/connection-quotas';
import { TokenBucket } from '../limits/token-bucket';
import type { Logger } from '../logging/logger';
import type { Peer } from '../peers/peer';
import type { Room } from '../rooms/room';
import type { RoomRegistry } from '../rooms/room-registry';
import { SerialQueue } from '../rooms/serial-queue';
import type { SignalingCounters } from '../stats/signaling-counters';
import { consume, consumeData, resumeConsumer } from './handlers/consumers';
import { closeDataProducer, closeProducer, produce, produceData } from './handlers/producers';
import { getRouterRtpCapabilities, join, leave, setCapabilities } from './handlers/session';
import { connectWebRtcTransport, createWebRtcTransport, restartIce } from './handlers/transports';
import type { RequestContext, Session } from './request-context';

export interface SignalingDeps {
  config: SfuConfig;
  tokenKeys: JWTVerifyGetKey;
  registry: RoomRegistry;
  logger: Logger;
  counters: SignalingCounters;
  /** Sockets per address and per user, shared by every connection of this server. */
  quotas: ConnectionQuotas;
  /** Where the socket comes from (behind a proxy: the address it forwarded). */
  address: string;
}

type Ack = (ack: SignalingAck) => void;

/**
 * One socket: checks each request's size and rate, validates it against the protocol's
 * schema, runs it in arrival order, and answers with `{ ok, data }` or a typed error. No
 * request can throw through: unknown and malformed ones are answered and counted.
 */
export class SignalingConnection implements RequestContext {
  readonly config: SfuConfig;
  readonly tokenKeys: JWTVerifyGetKey;
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  private readonly socket: Socket;
  private readonly counters: SignalingCounters;
  private readonly bucket = new TokenBucket(MAX_SIGNALING_REQUESTS_PER_SECOND, SIGNALING_REQUEST_BURST);
  private readonly queue = new SerialQueue();
  private readonly quotas: ConnectionQuotas;
  private readonly address: string;
  private currentSession: Session | undefined;
  private pendingPeer: Peer | undefined;
  private isConnected = true;
  private joinDeadline: NodeJS.Timeout | undefined;

  constructor(socket: Socket, deps: SignalingDeps) {
    this.socket = socket;
    this.config = deps.config;
    this.tokenKeys = deps.tokenKeys;
    this.registry = deps.registry;
    this.counters = deps.counters;
    this.quotas = deps.quotas;
    this.address = deps.address;
    this.logger = deps.logger.child('socket', { socket: socket.id });
    this.counters.connections += 1;
    socket.on(SIGNALING_REQUEST_EVENT, (raw: unknown, ack: unknown) => this.onRequest(raw, ack));
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event !== SIGNALING_REQUEST_EVENT) this.onUnknownEvent(event, args);
    });
    socket.on('disconnect', () => {
      this.isConnected = false;
      this.disarmJoinDeadline();
      this.quotas.release(socket.id, this.address);
      this.counters.connections -= 1;
      // A join still in flight closes its peer too: it must not hold a seat for a socket that is gone.
      this.pendingPeer?.close('disconnected');
      this.currentSession?.peer.close('disconnected');
    });
    this.armJoinDeadline();
  }

  get joined(): boolean {
    return this.currentSession !== undefined;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  claimUser(userId: string): void {
    this.quotas.claimUser(this.socket.id, userId);
  }

  holdPending(peer: Peer): void {
    this.pendingPeer = peer;
    if (!this.isConnected) peer.close('disconnected');
  }

  session(): Session {
    if (!this.currentSession) throw new HolocallError(ErrorCode.Unauthenticated, 'join a room first');
    return this.currentSession;
  }

  attach(room: Room, peer: Peer): void {
    if (this.pendingPeer === peer) this.pendingPeer = undefined;
    this.disarmJoinDeadline();
    this.currentSession = { room, peer };
    this.logger.info('joined', { room: room.id, peer: peer.id, user: peer.identity.userId });
    peer.once('close', (reason) => {
      if (this.currentSession?.peer === peer) this.currentSession = undefined;
      if (reason === 'replaced') {
        this.notify({
          type: 'sessionReplaced',
          error: toWireError(new HolocallError(ErrorCode.Conflict, 'you joined this room from another session')),
        });
        this.socket.disconnect(true);
      } else if (reason === 'worker_died') {
        this.notify({
          type: 'rejoinRequired',
          error: toWireError(new HolocallError(ErrorCode.WorkerDied, 'the media worker of this room died; join again')),
        });
      }
      // Still connected without a room: it must join again in time (a rejoin after a dead worker, a join after leave).
      if (this.isConnected && this.currentSession === undefined) this.armJoinDeadline();
    });
  }

  /** JOIN_DEADLINE_MS: a socket without a room (and no join in flight) is told and disconnected. */
  private armJoinDeadline(): void {
    this.disarmJoinDeadline();
    this.joinDeadline = setTimeout(() => {
      this.joinDeadline = undefined;
      if (!this.isConnected || this.currentSession) return;
      if (this.pendingPeer && !this.pendingPeer.closed) {
        // A join is under way (waiting for a worker, say): it gets another period to finish.
        this.armJoinDeadline();
        return;
      }
      const error = capReached(ErrorCode.Timeout, 'no room joined in time', 'join_deadline', JOIN_DEADLINE_MS);
      this.counters.refuse(error.code);
      this.logger.info('socket did not join in time; disconnecting', { address: this.address });
      this.notify({ type: 'limitExceeded', error: toWireError(error) });
      this.socket.disconnect(true);
    }, JOIN_DEADLINE_MS);
  }

  private disarmJoinDeadline(): void {
    if (this.joinDeadline) clearTimeout(this.joinDeadline);
    this.joinDeadline = undefined;
  }

  notify(notification: SignalingNotification): void {
    this.socket.emit(SIGNALING_NOTIFICATION_EVENT, notification);
  }

  private onRequest(raw: unknown, ack: unknown): void {
    this.counters.requests += 1;
    if (typeof ack !== 'function') {
      // Nothing to answer on; counting it is all that can be done.
      this.counters.unanswerable += 1;
      return;
    }
    const reply = ack as Ack;
    try {
      this.admit(raw);
      const request = parseMessage(SignalingRequest, raw, 'signaling request');
      this.queue
        .push(() => this.dispatch(request))
        .then(
          (data) => reply({ ok: true, data }),
          (error: unknown) => this.refuse(reply, error, request.type),
        );
    } catch (error) {
      this.refuse(reply, error, undefined);
    }
  }

  private dispatch(request: SignalingRequest): Promise<unknown> {
    // Requests queued behind one that was in flight at the disconnect are not started at all.
    if (!this.isConnected) return Promise.reject(new HolocallError(ErrorCode.Unavailable, 'the socket is gone'));
    switch (request.type) {
      case 'join':
        return join(this, request);
      case 'leave':
        return leave(this);
      case 'getRouterRtpCapabilities':
        return getRouterRtpCapabilities(this);
      case 'setCapabilities':
        return setCapabilities(this, request);
      case 'createWebRtcTransport':
        return createWebRtcTransport(this, request);
      case 'connectWebRtcTransport':
        return connectWebRtcTransport(this, request);
      case 'restartIce':
        return restartIce(this, request);
      case 'produce':
        return produce(this, request);
      case 'produceData':
        return produceData(this, request);
      case 'closeProducer':
        return closeProducer(this, request);
      case 'closeDataProducer':
        return closeDataProducer(this, request);
      case 'consume':
        return consume(this, request);
      case 'resumeConsumer':
        return resumeConsumer(this, request);
      case 'consumeData':
        return consumeData(this, request);
      default: {
        const unreachable: never = request;
        throw HolocallError.badRequest('unknown request type', { type: (unreachable as { type: string }).type });
      }
    }
  }

  private refuse(reply: Ack, error: unknown, type: string | undefined): void {
    const wire = toWireError(error);
    this.counters.refuse(wire.code);
    if (wire.code === ErrorCode.Internal) this.logger.error('request failed', { type, error });
    else this.logger.debug('request refused', { type, code: wire.code, message: wire.message });
    reply({ ok: false, error: wire });
  }

  /**
   * The size and rate checks every message passes before any work is done for it, whatever
   * event it came on: an event the protocol does not have is answered too, so it spends the
   * same bucket (else a flood of made-up event names would be served without limit).
   */
  private admit(payload: unknown): void {
    assertWithinSize('signaling message bytes', jsonByteLength(payload), MAX_SIGNALING_MESSAGE_BYTES);
    if (!this.bucket.take()) {
      throw new HolocallError(ErrorCode.RateLimited, 'too many requests', {
        details: { limitPerSecond: MAX_SIGNALING_REQUESTS_PER_SECOND, burst: SIGNALING_REQUEST_BURST },
      });
    }
  }

  private onUnknownEvent(event: string, args: unknown[]): void {
    this.counters.requests += 1;
    const last = args[args.length - 1];
    const reply = typeof last === 'function' ? (last as Ack) : undefined;
    let error: unknown;
    try {
      this.admit(reply ? args.slice(0, -1) : args);
      error = HolocallError.badRequest('unknown event; send requests as "request"', { event: event.slice(0, 64) });
    } catch (refused) {
      error = refused;
    }
    if (reply) this.refuse(reply, error, undefined);
    else {
      this.counters.unanswerable += 1;
      this.counters.refuse(toWireError(error).code);
    }
  }
}
