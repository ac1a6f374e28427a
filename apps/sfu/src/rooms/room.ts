import {
  type DataProducerInfo,
  ErrorCode,
  HolocallError,
  type PeerIdentity,
  type ProducerInfo,
  type SignalingNotification,
} from '@holocall/protocol';
import type { types } from 'mediasoup';
import type { DriverChannel } from '../data/driver-channel';
import { TypedEmitter } from '../events/typed-emitter';
import type { Logger } from '../logging/logger';
import { type Peer, type PeerCloseReason, sessionEnded } from '../peers/peer';
import { ROUTER_MEDIA_CODECS } from '../workers/media-codecs';
import type { Worker } from '../workers/worker-pool';

export type RoomCloseReason = 'empty' | 'worker_died' | 'shutdown';

export interface RoomEvents {
  close: [reason: RoomCloseReason];
}

export interface RoomOptions {
  id: string;
  worker: Worker;
  maxPeers: number;
  emptyGraceMs: number;
  logger: Logger;
}

/** What the SFU stamps on each producer: its owner and what it carries, set from the owner's token. */
export interface ProducerAppData extends types.AppData {
  owner: PeerIdentity;
  source: ProducerInfo['source'];
}

/**
 * A call room: one mediasoup router on one worker, its peers, and the relay for their driver
 * frames. It closes when it has been empty for the grace period, or at once when its worker
 * dies (the router is gone), telling each peer to rejoin.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly id: string;
  readonly worker: Worker;
  readonly router: types.Router;
  /** Carries every driver frame through this process (see DriverChannel). */
  readonly relayTransport: types.DirectTransport;
  readonly peers = new Map<string, Peer>();
  readonly driverChannels = new Map<string, DriverChannel>();
  private readonly maxPeers: number;
  private readonly emptyGraceMs: number;
  private readonly logger: Logger;
  private emptyTimer: NodeJS.Timeout | undefined;
  private isClosed = false;

  private constructor(options: RoomOptions, router: types.Router, relayTransport: types.DirectTransport) {
    super();
    this.id = options.id;
    this.worker = options.worker;
    this.router = router;
    this.relayTransport = relayTransport;
    this.maxPeers = options.maxPeers;
    this.emptyGraceMs = options.emptyGraceMs;
    this.logger = options.logger;
    router.on('workerclose', () => this.close('worker_died'));
    this.armEmptyTimer();
  }

  static async create(options: RoomOptions): Promise<Room> {
    const router = await options.worker.createRouter({
      mediaCodecs: ROUTER_MEDIA_CODECS,
      appData: { roomId: options.id },
    });
    try {
      const relayTransport = await router.createDirectTransport();
      return new Room(options, router, relayTransport);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Adds a peer. A peer of the same user already here is replaced (closed with 'replaced')
   * and does not count against the room's capacity.
   */
  addPeer(peer: Peer, roomCapacity = Number.POSITIVE_INFINITY): void {
    if (this.isClosed) throw new HolocallError(ErrorCode.Unavailable, 'the room is closing; join again');
    // A peer whose socket went away while its join waited (for the queue, a new router) takes no seat.
    if (peer.closed) throw sessionEnded('joining');
    const previous = [...this.peers.values()].find((p) => p.identity.userId === peer.identity.userId);
    const count = this.peers.size - (previous ? 1 : 0);
    const limit = Math.min(this.maxPeers, roomCapacity);
    if (count >= limit) {
      throw new HolocallError(ErrorCode.RoomFull, 'the room is full', { details: { limit } });
    }
    previous?.close('replaced');
    this.peers.set(peer.id, peer);
    this.disarmEmptyTimer();
    peer.once('close', (reason) => this.onPeerClosed(peer, reason));
    this.broadcast({ type: 'peerJoined', peer: peer.identity }, peer);
    this.logger.info('peer joined', { peer: peer.id, user: peer.identity.userId, peers: this.peers.size });
  }

  /** Sends a notification to every peer but `except`. */
  broadcast(notification: SignalingNotification, except?: Peer): void {
    for (const peer of this.peers.values()) if (peer !== except) peer.notify(notification);
  }

  /** A producer of any peer in this room, with its owner. */
  findProducer(producerId: string): { producer: types.Producer<ProducerAppData>; owner: Peer } | undefined {
    for (const peer of this.peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return { producer: producer as types.Producer<ProducerAppData>, owner: peer };
    }
    return undefined;
  }

  /** What a joining peer needs to know about everybody else. */
  snapshot(except: Peer): { peers: PeerIdentity[]; producers: ProducerInfo[]; dataProducers: DataProducerInfo[] } {
    const others = [...this.peers.values()].filter((p) => p !== except);
    return {
      peers: others.map((p) => p.identity),
      producers: others.flatMap((p) =>
        [...p.producers.values()].map((producer) => producerInfo(producer as types.Producer<ProducerAppData>)),
      ),
      dataProducers: [...this.driverChannels.values()]
        .filter((channel) => channel.owner.peerId !== except.id)
        .map((channel) => ({ dataProducerId: channel.id, label: 'driver-frames' as const, owner: channel.owner })),
    };
  }

  close(reason: RoomCloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.disarmEmptyTimer();
    const peerReason: PeerCloseReason = reason === 'worker_died' ? 'worker_died' : 'room_closed';
    for (const peer of [...this.peers.values()]) peer.close(peerReason);
    this.peers.clear();
    for (const channel of this.driverChannels.values()) channel.close();
    this.driverChannels.clear();
    this.router.close();
    this.logger.info('room closed', { reason });
    this.emit('close', reason);
  }

  private onPeerClosed(peer: Peer, reason: PeerCloseReason): void {
    this.peers.delete(peer.id);
    if (this.isClosed) return;
    this.broadcast({ type: 'peerLeft', peer: peer.identity });
    this.logger.info('peer left', { peer: peer.id, user: peer.identity.userId, reason, peers: this.peers.size });
    if (this.peers.size === 0) this.armEmptyTimer();
  }

  private armEmptyTimer(): void {
    this.disarmEmptyTimer();
    this.emptyTimer = setTimeout(() => {
      if (this.peers.size === 0) this.close('empty');
    }, this.emptyGraceMs);
    this.emptyTimer.unref();
  }

  private disarmEmptyTimer(): void {
    if (this.emptyTimer) clearTimeout(this.emptyTimer);
    this.emptyTimer = undefined;
  }
}

export function producerInfo(producer: types.Producer<ProducerAppData>): ProducerInfo {
  return {
    producerId: producer.id,
    kind: producer.kind,
    source: producer.appData.source,
    owner: producer.appData.owner,
  };
}
