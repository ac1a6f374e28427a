import type { types } from 'mediasoup';
import type { DriverFrameCounters } from '../limits/driver-frame-guard';
import type { ProducerAppData } from '../rooms/room';
import type { RoomRegistry } from '../rooms/room-registry';
import type { WorkerPool } from '../workers/worker-pool';
import type { SignalingCounters } from './signaling-counters';

export interface WorkerStats {
  slot: number;
  pid: number;
  rooms: number;
  peers: number;
  /** CPU time the worker process has used since it started (getrusage), in milliseconds. */
  cpu: { userMs: number; systemMs: number } | null;
  maxRssKiB: number | null;
  /** The UDP and TCP port of the worker's WebRtcServer. */
  rtcPorts: { udp: number; tcp: number };
  /** WebRtcTransports on the worker's WebRtcServer, as the worker itself counts them (null if it did not answer). */
  webRtcTransports: number | null;
}

export interface ProducerStats {
  producerId: string;
  kind: 'audio' | 'video';
  source: string;
  userId: string;
  bytes: number;
  packets: number;
}

export interface DriverChannelStats extends DriverFrameCounters {
  dataProducerId: string;
  userId: string;
  avatarId: string;
}

export interface RoomStats {
  roomId: string;
  workerPid: number;
  peers: number;
  producers: ProducerStats[];
  driverChannels: DriverChannelStats[];
}

export interface SfuStats {
  at: string;
  uptimeS: number;
  workers: WorkerStats[];
  rooms: RoomStats[];
  signaling: ReturnType<SignalingCounters['toJSON']>;
}

/** A snapshot for `GET /stats` and `handle.stats()`: per-producer bytes and messages, peers per room, worker load. */
export async function collectStats(
  registry: RoomRegistry,
  pool: WorkerPool,
  counters: SignalingCounters,
  startedAt: number,
): Promise<SfuStats> {
  const rooms = registry.rooms;
  const workers = await Promise.all(
    pool.workers.map(async (worker): Promise<WorkerStats> => {
      const mine = rooms.filter((room) => room.worker === worker);
      const usage = await worker.getResourceUsage().catch(() => undefined);
      const server = (await worker.appData.webRtcServer.dump().catch(() => undefined)) as
        | { webRtcTransportIds: string[] }
        | undefined;
      return {
        slot: worker.appData.slot,
        pid: worker.pid,
        rooms: mine.length,
        peers: mine.reduce((sum, room) => sum + room.peers.size, 0),
        cpu: usage ? { userMs: usage.ru_utime, systemMs: usage.ru_stime } : null,
        maxRssKiB: usage ? usage.ru_maxrss : null,
        rtcPorts: { udp: worker.appData.rtcPorts.udp, tcp: worker.appData.rtcPorts.tcp },
        webRtcTransports: server ? server.webRtcTransportIds.length : null,
      };
    }),
  );
  const roomStats = await Promise.all(
    rooms.map(async (room): Promise<RoomStats> => {
      const producers = [...room.peers.values()].flatMap((peer) => [...peer.producers.values()]);
      return {
        roomId: room.id,
        workerPid: room.worker.pid,
        peers: room.peers.size,
        producers: await Promise.all(producers.map((p) => producerStats(p as types.Producer<ProducerAppData>))),
        driverChannels: [...room.driverChannels.values()].map((channel) => ({
          dataProducerId: channel.id,
          userId: channel.owner.userId,
          avatarId: channel.owner.avatarId,
          ...channel.guard.counters,
        })),
      };
    }),
  );
  return {
    at: new Date().toISOString(),
    uptimeS: Math.round((performance.now() - startedAt) / 1000),
    workers,
    rooms: roomStats,
    signaling: counters.toJSON(),
  };
}

async function producerStats(producer: types.Producer<ProducerAppData>): Promise<ProducerStats> {
  const streams = await producer.getStats().catch(() => []);
  return {
    producerId: producer.id,
    kind: producer.kind,
    source: producer.appData.source,
    userId: producer.appData.owner.userId,
    bytes: streams.reduce((sum, s) => sum + s.byteCount, 0),
    packets: streams.reduce((sum, s) => sum + s.packetCount, 0),
  };
}
