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
    const worker = (await mediasoup.createWorker<WorkerAppData>({
      ...this.options.settings,
      appData: { slot },
    })) as Worker;
    if (this.closed) {
      worker.close();
      throw new HolocallError(ErrorCode.Unavailable, 'the SFU is shutting down');
    }
    this.slots[slot] = worker;
    worker.on('died', (error) => this.onDied(slot, worker, error));
    this.logger.info('media worker started', { slot, pid: worker.pid });
    this.wake();
    return worker;
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
