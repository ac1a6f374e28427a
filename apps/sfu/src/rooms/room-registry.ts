import { ErrorCode, MAX_ROOMS_PER_USER } from '@holocall/protocol';
import { capReached } from '../limits/connection-quotas';
import type { Logger } from '../logging/logger';
import { type Peer, sessionEnded } from '../peers/peer';
import type { Worker, WorkerPool } from '../workers/worker-pool';
import { Room } from './room';
import { SerialQueue } from './serial-queue';

export interface RoomRegistryOptions {
  pool: WorkerPool;
  maxPeersPerRoom: number;
  roomEmptyGraceMs: number;
  logger: Logger;
}

/**
 * The rooms of this SFU process. Joins go through one serial queue, so two simultaneous
 * joins of a new room never create two rooms. A new room's router goes on the worker with
 * the least load (peers, plus one per room so empty rooms count too).
 */
export class RoomRegistry {
  private readonly roomsById = new Map<string, Room>();
  private readonly queue = new SerialQueue();
  private readonly options: RoomRegistryOptions;

  constructor(options: RoomRegistryOptions) {
    this.options = options;
  }

  get rooms(): Room[] {
    return [...this.roomsById.values()];
  }

  get(roomId: string): Room | undefined {
    return this.roomsById.get(roomId);
  }

  /**
   * Puts `peer` into room `roomId`, creating the room if needed. `roomCapacity` is the room's
   * own limit from the joiner's token, enforced below the SFU's global per-room limit.
   */
  join(roomId: string, peer: Peer, roomCapacity?: number): Promise<Room> {
    return this.queue.push(async () => {
      // Gone while it waited in the queue: no room is made for it.
      if (peer.closed) throw sessionEnded('joining');
      // Checked in the queue, so two joins of one user into two new rooms cannot both pass.
      const elsewhere = this.roomsOfUser(peer.identity.userId).filter((r) => r.id !== roomId);
      if (elsewhere.length >= MAX_ROOMS_PER_USER) {
        throw capReached(
          ErrorCode.Conflict,
          'in too many rooms at once; leave one first',
          'rooms_per_user',
          MAX_ROOMS_PER_USER,
        );
      }
      let room = this.roomsById.get(roomId);
      if (!room || room.closed) room = await this.create(roomId);
      room.addPeer(peer, roomCapacity);
      return room;
    });
  }

  /** Open rooms where `userId` has a peer. */
  roomsOfUser(userId: string): Room[] {
    return this.rooms.filter(
      (room) => !room.closed && [...room.peers.values()].some((p) => p.identity.userId === userId),
    );
  }

  /** WebRtcTransports `userId` holds over all rooms, counting those being created. */
  transportsOfUser(userId: string): number {
    let count = 0;
    for (const room of this.roomsById.values()) {
      for (const peer of room.peers.values()) {
        if (peer.identity.userId === userId) count += peer.transports.size + peer.pendingTransports;
      }
    }
    return count;
  }

  /** Load of a worker as used for placement: each room counts one, each peer one more. */
  loadOf(worker: Worker): number {
    let load = 0;
    for (const room of this.roomsById.values()) if (room.worker === worker) load += 1 + room.peers.size;
    return load;
  }

  closeAll(): void {
    for (const room of [...this.roomsById.values()]) room.close('shutdown');
  }

  private async create(roomId: string): Promise<Room> {
    const worker = await this.options.pool.leastLoaded((w) => this.loadOf(w));
    const room = await Room.create({
      id: roomId,
      worker,
      maxPeers: this.options.maxPeersPerRoom,
      emptyGraceMs: this.options.roomEmptyGraceMs,
      logger: this.options.logger.child('room', { room: roomId }),
    });
    this.roomsById.set(roomId, room);
    room.on('close', () => {
      if (this.roomsById.get(roomId) === room) this.roomsById.delete(roomId);
    });
    this.options.logger.info('room created', { room: roomId, workerPid: worker.pid, slot: worker.appData.slot });
    return room;
  }
}
