import { ErrorCode, HolocallError } from '@holocall/protocol';
import { RetryPolicy } from '@holocall/service/retry';
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { TypedEmitter } from '../events/typed-emitter';
import type { Logger } from '../logging/logger';

export type Worker = types.Worker<WorkerAppData>;
export interface WorkerAppData extends types.AppData {
  /** The pool slot this worker fills; a replacement takes over the slot of the one that died. */
  slot: number;
  /**
   * The worker's one WebRtcServer: every WebRtcTransport of its routers is created on it, so
   * the worker listens on one UDP and one TCP port however many transports it holds. Set by
   * the pool before the worker is handed out; a replacement worker gets a new one on the slot's port.
   */
  webRtcServer: types.WebRtcServer;
  /** The ports the WebRtcServer actually listens on (as the worker reports them). */
  rtcPorts: RtcPorts;
}

export interface RtcPorts {
  ip: string;
  udp: number;
  tcp: number;
}

/** Where the workers' WebRTC servers listen: `basePort + slot` on UDP and TCP, or free ports when 0. */
export interface RtcListen {
  listenIp: string;
  announcedIp: string | undefined;
  basePort: number;
}

export interface WorkerPoolEvents {
  /** A worker process exited unexpectedly. Its routers are already closed when this fires. */
  workerdied: [slot: number, pid: number, error: Error];
  /** A fresh worker now fills the slot of one that died. */
  workerreplaced: [slot: number, worker: Worker];
}

export interface WorkerPoolOptions {
  count: number;
  settings: types.WorkerSettings;
  rtc: RtcListen;
  logger: Logger;
}

/** How long a request waits for a live worker (while a dead one is being replaced) before `unavailable`. */
export const WORKER_WAIT_TIMEOUT_MS = 15_000;
/**
 * Delays before trying again when spawning a replacement fails: doubling from 250 ms to 5 s,
 * then every 5 s for as long as the SFU runs (a slot is never given up). No jitter: the
 * workers are this process's own children, nobody else competes for the retry.
 */
export const WORKER_RESPAWN_POLICY = new RetryPolicy({ delaysMs: [250, 500, 1000, 2000, 4000, 5000] });

/**
 * The media workers: one per core by default. A worker that dies is replaced in its slot
 * without restarting the process; callers waiting for a worker meanwhile are served as
 * soon as the replacement is up.
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  private readonly slots: (Worker | undefined)[];
  private readonly options: WorkerPoolOptions;
  private readonly logger: Logger;
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.options = options;
    this.logger = options.logger;
    this.slots = new Array(options.count).fill(undefined);
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(pool.slots.map((_, slot) => pool.spawn(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** Workers that are alive now, in slot order. */
  get workers(): Worker[] {
    return this.slots.filter((worker): worker is Worker => worker !== undefined && !worker.died && !worker.closed);
  }

  get size(): number {
    return this.slots.length;
  }

  /** The WebRTC ports of the live workers: what a firewall must let through. */
  get rtcPorts(): RtcPorts[] {
    return this.workers.map((worker) => worker.appData.rtcPorts);
  }

  /**
   * The live worker with the least load by `loadOf`, waiting for a replacement when every
   * worker is dead. Ties go to the lowest slot.
   */
  async leastLoaded(loadOf: (worker: Worker) => number): Promise<Worker> {
    const deadline = performance.now() + WORKER_WAIT_TIMEOUT_MS;
    for (;;) {
      if (this.closed) throw new HolocallError(ErrorCode.Unavailable, 'the SFU is shutting down');
      const live = this.workers;
      if (live.length > 0) {
        return live.reduce((best, worker) => (loadOf(worker) < loadOf(best) ? worker : best));
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new HolocallError(ErrorCode.Unavailable, 'no media worker is available');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const worker of this.slots) worker?.close();
    this.wake();
  }

  private async spawn(slot: number): Promise<Worker> {
    // The server fields are filled in below, before anybody else sees the worker.
    const worker = (await mediasoup.createWorker<WorkerAppData>({
      ...this.options.settings,
      appData: { slot } as WorkerAppData,
    })) as Worker;
    try {
      worker.appData.webRtcServer = await worker.createWebRtcServer({ listenInfos: this.listenInfos(slot) });
      worker.appData.rtcPorts = await listeningPorts(worker.appData.webRtcServer, this.options.rtc.listenIp);
    } catch (error) {
      worker.close();
      throw error;
    }
    if (this.closed) {
      worker.close();
      throw new HolocallError(ErrorCode.Unavailable, 'the SFU is shutting down');
    }
    this.slots[slot] = worker;
    worker.on('died', (error) => this.onDied(slot, worker, error));
    const { udp, tcp } = worker.appData.rtcPorts;
    this.logger.info('media worker started', { slot, pid: worker.pid, udpPort: udp, tcpPort: tcp });
    this.wake();
    return worker;
  }

  /** UDP and TCP on the slot's own port (the same number for both), or free ports when the base is 0. */
  private listenInfos(slot: number): types.WebRtcServerListenInfo[] {
    const { listenIp, announcedIp, basePort } = this.options.rtc;
    const common = {
      ip: listenIp,
      ...(announcedIp === undefined ? {} : { announcedIp }),
      ...(basePort === 0 ? {} : { port: basePort + slot }),
    };
    return [
      { protocol: 'udp', ...common },
      { protocol: 'tcp', ...common },
    ];
  }

  private onDied(slot: number, worker: Worker, error: Error): void {
    if (this.slots[slot] === worker) this.slots[slot] = undefined;
    this.logger.error('media worker died', { slot, pid: worker.pid, error });
    this.emit('workerdied', slot, worker.pid, error);
    void this.replace(slot);
  }

  private async replace(slot: number): Promise<void> {
    const attempts = WORKER_RESPAWN_POLICY.attempts();
    while (!this.closed) {
      try {
        const worker = await this.spawn(slot);
        this.emit('workerreplaced', slot, worker);
        return;
      } catch (error) {
        if (this.closed) return;
        const delay = attempts.next();
        if (delay === null) {
          this.logger.error('replacing a media worker failed; giving up on the slot', { slot, error });
          return;
        }
        this.logger.error('replacing a media worker failed; trying again', { slot, error, delayMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

interface WebRtcServerDump {
  udpSockets: { ip: string; port: number }[];
  tcpServers: { ip: string; port: number }[];
}

/** The ports a WebRtcServer listens on, as its worker reports them (they differ from the request only for port 0). */
async function listeningPorts(server: types.WebRtcServer, ip: string): Promise<RtcPorts> {
  const dump = (await server.dump()) as WebRtcServerDump;
  const udp = dump.udpSockets[0]?.port;
  const tcp = dump.tcpServers[0]?.port;
  if (udp === undefined || tcp === undefined) throw new Error('the WebRtcServer reports no UDP or TCP port');
  return { ip, udp, tcp };
}
