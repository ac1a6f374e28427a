import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTokenKeys } from '@holocall/service';
import { resolveSfuConfig, type SfuConfig, type SfuOptions } from './config/sfu-config';
import { createHttpHandler } from './http/http-handler';
import { createSfuLogger } from './logging/logger';
import { RoomRegistry } from './rooms/room-registry';
import { attachSignaling } from './signaling/signaling-server';
import { collectStats, type SfuStats } from './stats/collect-stats';
import { SignalingCounters } from './stats/signaling-counters';
import { type RtcPorts, WorkerPool } from './workers/worker-pool';

export interface SfuHandle {
  /** The port the HTTP + socket.io server listens on (useful with `port: 0`). */
  readonly port: number;
  /** `http://host:port` of the server. */
  readonly url: string;
  readonly config: SfuConfig;
  stats(): Promise<SfuStats>;
  /** Process ids of the live media workers (tests kill them on purpose). */
  workerPids(): number[];
  /** The UDP and TCP port of each live worker's WebRtcServer, in slot order. */
  rtcPorts(): RtcPorts[];
  /** The pid of the worker a room lives on, if the room exists. */
  roomWorkerPid(roomId: string): number | undefined;
  close(): Promise<void>;
}

/** Starts the SFU in this process: media workers, HTTP (/healthz, /stats) and socket.io signaling. */
export async function startSfu(options: SfuOptions): Promise<SfuHandle> {
  const config = resolveSfuConfig(options);
  const logger = createSfuLogger(config.logLevel);
  const startedAt = performance.now();
  const pool = await WorkerPool.create({
    count: config.workers,
    settings: { logLevel: config.workerLogLevel },
    rtc: { listenIp: config.listenIp, announcedIp: config.announcedIp, basePort: config.rtcPort },
    logger: logger.child('workers'),
  });
  const registry = new RoomRegistry({
    pool,
    maxPeersPerRoom: config.maxPeersPerRoom,
    roomEmptyGraceMs: config.roomEmptyGraceMs,
    logger,
  });
  const counters = new SignalingCounters();
  const stats = () => collectStats(registry, pool, counters, startedAt);
  const httpServer = createServer(
    createHttpHandler({
      health: () => ({ ok: pool.workers.length > 0, workers: pool.workers.length, expectedWorkers: pool.size }),
      stats,
      statsToken: config.statsToken,
      behindProxy: config.behindProxy,
      logger,
    }),
  );
  // Room tokens are checked against the web app's public keys; the SFU holds no signing key.
  const tokenKeys = openTokenKeys(config.jwksUrl, { logger: logger.child('token-keys') });
  const io = attachSignaling(httpServer, { config, tokenKeys: tokenKeys.getKey, registry, logger, counters });
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.httpHost, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    tokenKeys.close();
    pool.close();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  logger.info('SFU listening', { host: config.httpHost, port, workers: pool.size, listenIp: config.listenIp });
  // What a firewall in front of the SFU must let through, besides the HTTP port above.
  logger.info('WebRTC ports to open', {
    ip: config.listenIp,
    udp: pool.rtcPorts.map((p) => p.udp),
    tcp: pool.rtcPorts.map((p) => p.tcp),
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`,
    config,
    stats,
    workerPids: () => pool.workers.map((worker) => worker.pid),
    rtcPorts: () => pool.rtcPorts,
    roomWorkerPid: (roomId) => registry.get(roomId)?.worker.pid,
    close: () => {
      closing ??= (async () => {
        tokenKeys.close();
        registry.closeAll();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        pool.close();
        logger.info('SFU closed');
      })();
      return closing;
    },
  };
}
