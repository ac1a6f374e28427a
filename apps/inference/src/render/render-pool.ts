import { Worker } from 'node:worker_threads';
import { RetryPolicy } from '@holocall/service/retry';
import { InlineRenderPool, JobBufferSet, type JobResult, type RenderThreads } from './inline-render-pool';
import type { RenderAsset } from './render-asset';
import { type RenderJobBuffers, type RenderJobSpec, resetJobState } from './render-job';
import type { SourceTexture } from './source-texture';

export type { JobResult } from './inline-render-pool';

export type WorkerMessage =
  | {
      type: 'asset';
      id: number;
      packed: Float32Array;
      resolution: number;
      cells: number;
      extent: number;
      grid: Uint8Array;
      bounds: Float64Array;
      texture: SourceTexture | null;
    }
  | { type: 'drop'; id: number }
  | { type: 'job'; jobId: number; spec: RenderJobSpec; buffers: RenderJobBuffers };

export type WorkerReply = { type: 'done'; jobId: number; chunks: number; decoded: number; error: string | null };

/** Respawns allowed within RESPAWN_WINDOW_MS; a worker dying more often than that leaves the pool failed. */
export const MAX_RESPAWNS_PER_WINDOW = 5;
export const RESPAWN_WINDOW_MS = 60_000;
/**
 * A dead render worker is replaced at once (a job is waiting for it); the attempt is the
 * number of respawns within the last RESPAWN_WINDOW_MS, and the policy gives up past
 * MAX_RESPAWNS_PER_WINDOW.
 */
export const RENDER_RESPAWN_POLICY = new RetryPolicy({ delaysMs: [0], maxAttempts: MAX_RESPAWNS_PER_WINDOW });

function spawnWorker(): Promise<Worker> {
  const w = new Worker(new URL('./render-worker-entry.mjs', import.meta.url));
  return new Promise<Worker>((resolve, reject) => {
    w.once('online', () => resolve(w));
    w.once('error', reject);
  });
}

type AssetMessage = Extract<WorkerMessage, { type: 'asset' }>;

/**
 * Render threads sharing one job at a time: every thread takes chunks (view bands) from a
 * shared counter until none are left, so both cores stay busy on one flat view and views
 * of a quilt spread evenly. With 0 threads the job runs inline on the calling thread.
 * Output buffers are shared and reused: a job's output is valid until the next job starts.
 *
 * A worker that dies (an uncaught error, a crash) is replaced: the job it was part of fails
 * once the surviving workers have finished their chunks (its output is incomplete), a new
 * worker starts and receives every attached asset, and the next job waits for it. More than
 * MAX_RESPAWNS_PER_WINDOW deaths in RESPAWN_WINDOW_MS leave the pool failed.
 */
export class RenderPool implements RenderThreads {
  /** Attached assets by id, as posted to workers (a respawned worker gets them all again). */
  private readonly attached = new Map<number, AssetMessage | null>();
  private readonly pending = new Map<
    number,
    {
      /** Workers that have not reported on this job yet. */
      waiting: Set<Worker>;
      decoded: number;
      resolve: (r: JobResult) => void;
      reject: (e: Error) => void;
      error: string | null;
    }
  >();
  private jobId = 0;
  private readonly buffers = new JobBufferSet();
  /** The pool of 0 threads runs every job here, on the calling thread. */
  private readonly inline = new InlineRenderPool(this.buffers);
  private broken: Error | null = null;
  private busy = false;
  private closing = false;
  /** Set while a dead worker is being replaced; jobs wait for it. */
  private respawning: Promise<void> | null = null;
  private readonly respawnTimes: number[] = [];
  readonly counters = { respawns: 0, workerDeaths: 0, jobsFailedByDeath: 0 };

  private constructor(
    private readonly workers: Worker[],
    private readonly size: number,
  ) {
    for (const w of workers) this.watch(w);
  }

  static async start(threads: number): Promise<RenderPool> {
    const workers: Worker[] = [];
    for (let i = 0; i < threads; i++) workers.push(await spawnWorker());
    return new RenderPool(workers, threads);
  }

  get threads(): number {
    return this.size;
  }

  private watch(w: Worker): void {
    w.on('message', (reply: WorkerReply) => this.onReply(w, reply));
    // An uncaught error in a worker is followed by its exit, which does the work.
    w.on('error', () => {});
    w.on('exit', (code) => {
      // close() removes workers before terminating them; any other exit is a death.
      const i = this.workers.indexOf(w);
      if (i < 0 || this.closing) return;
      this.workers.splice(i, 1);
      this.onWorkerDeath(w, new Error(`render worker exited (${code})`));
    });
  }

  private onWorkerDeath(dead: Worker, error: Error): void {
    this.counters.workerDeaths++;
    // A job the dead worker had not finished cannot complete: fail it once the survivors report
    // (they may still be writing into the shared buffers, so the next job must not start before).
    for (const [id, p] of this.pending) {
      if (!p.waiting.delete(dead)) continue;
      // The survivors may wait on bands the dead worker took: stop them now, not at BAND_WAIT_MS.
      this.buffers.abortRunning();
      p.error = error.message;
      this.counters.jobsFailedByDeath++;
      if (p.waiting.size === 0) {
        this.pending.delete(id);
        p.reject(new Error(`render worker failed: ${p.error}`));
      }
    }
    const now = Date.now();
    while (this.respawnTimes.length > 0 && now - this.respawnTimes[0]! > RESPAWN_WINDOW_MS) this.respawnTimes.shift();
    const delay = RENDER_RESPAWN_POLICY.nextDelay(this.respawnTimes.length);
    if (delay === null) {
      this.fail(new Error(`render workers died ${MAX_RESPAWNS_PER_WINDOW} times within ${RESPAWN_WINDOW_MS} ms`));
      return;
    }
    this.respawnTimes.push(now);
    const previous = this.respawning ?? Promise.resolve();
    this.respawning = previous
      .then(() => (delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : undefined))
      .then(() => spawnWorker())
      .then(
        (w) => {
          if (this.closing) {
            void w.terminate();
            return;
          }
          this.watch(w);
          for (const message of this.attached.values()) if (message) w.postMessage(message);
          this.workers.push(w);
          this.counters.respawns++;
        },
        (e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))),
      )
      .finally(() => {
        if (this.workers.length === this.size || this.broken) this.respawning = null;
      });
  }

  /** Test hook: terminates worker `index` as a crash would (the pool must replace it). */
  async killWorkerForTest(index = 0): Promise<void> {
    const w = this.workers[index];
    if (w) await w.terminate();
  }

  /** Makes an asset readable by every thread (idempotent). */
  attach(asset: RenderAsset): void {
    if (this.attached.has(asset.id)) return;
    if (this.size === 0) {
      this.attached.set(asset.id, null);
      this.inline.attach(asset);
      return;
    }
    const message: AssetMessage = {
      type: 'asset',
      id: asset.id,
      packed: asset.packed,
      resolution: asset.resolution,
      cells: asset.occ.cells,
      extent: asset.occ.extent,
      grid: asset.occ.grid,
      bounds: asset.occ.bounds,
      texture: asset.texture,
    };
    this.attached.set(asset.id, message);
    for (const w of this.workers) w.postMessage(message);
  }

  detach(assetId: number): void {
    if (!this.attached.delete(assetId)) return;
    this.inline.detach(assetId);
    for (const w of this.workers) w.postMessage({ type: 'drop', id: assetId } satisfies WorkerMessage);
  }

  /** Shared buffers sized for a job (JobBufferSet.sizedFor). */
  buffersFor(lowresFloats: number, outputBytes: number, bands = 1): RenderJobBuffers {
    return this.buffers.sizedFor(lowresFloats, outputBytes, bands);
  }

  async run(spec: RenderJobSpec, buffers: RenderJobBuffers): Promise<JobResult> {
    if (this.broken) throw this.broken;
    if (this.busy) throw new Error('RenderPool.run called while a job is running');
    if (!this.attached.has(spec.assetId)) throw new Error(`asset ${spec.assetId} is not attached`);
    this.busy = true;
    try {
      while (this.respawning) await this.respawning;
      if (this.broken) throw this.broken;
      if (spec.detail?.textureAssetId && !this.attached.has(spec.detail.textureAssetId)) {
        throw new Error(`texture asset ${spec.detail.textureAssetId} is not attached`);
      }
      if (this.size === 0) return await this.inline.run(spec, buffers);
      resetJobState(buffers);
      const jobId = ++this.jobId;
      const result = new Promise<JobResult>((resolve, reject) => {
        this.pending.set(jobId, { waiting: new Set(this.workers), decoded: 0, resolve, reject, error: null });
      });
      const message: WorkerMessage = { type: 'job', jobId, spec, buffers };
      for (const w of this.workers) w.postMessage(message);
      return await result;
    } finally {
      this.busy = false;
    }
  }

  private onReply(from: Worker, reply: WorkerReply): void {
    const p = this.pending.get(reply.jobId);
    if (!p?.waiting.delete(from)) return;
    p.decoded += reply.decoded;
    if (reply.error) p.error = reply.error;
    if (p.waiting.size > 0) return;
    this.pending.delete(reply.jobId);
    if (p.error) p.reject(new Error(`render worker failed: ${p.error}`));
    else p.resolve({ decoded: p.decoded });
  }

  private fail(error: Error): void {
    if (!this.broken) this.broken = error;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(error);
    }
  }

  stats(): Record<string, unknown> {
    return { threads: this.size, alive: this.workers.length, ...this.counters, failed: this.broken !== null };
  }

  async close(): Promise<void> {
    this.closing = true;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    await this.respawning?.catch(() => {});
  }
}
