import { Worker } from 'node:worker_threads';
import { MarchKernel } from './march-kernel';
import type { Occupancy } from './occupancy';
import type { RenderAsset } from './render-asset';
import { createChunkScratch, type RenderJobBuffers, type RenderJobSpec, runChunks } from './render-job';

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
    }
  | { type: 'drop'; id: number }
  | { type: 'job'; jobId: number; spec: RenderJobSpec; buffers: RenderJobBuffers };

export type WorkerReply = { type: 'done'; jobId: number; chunks: number; decoded: number; error: string | null };

export interface JobResult {
  /** Samples decoded by all threads together. */
  decoded: number;
}

/**
 * Render threads sharing one job at a time: every thread takes chunks (view bands) from a
 * shared counter until none are left, so both cores stay busy on one flat view and views
 * of a quilt spread evenly. With 0 threads the job runs inline on the calling thread.
 * Output buffers are shared and reused: a job's output is valid until the next job starts.
 */
export class RenderPool {
  private readonly attached = new Set<number>();
  private readonly pending = new Map<
    number,
    { left: number; decoded: number; resolve: (r: JobResult) => void; reject: (e: Error) => void; error: string | null }
  >();
  private jobId = 0;
  private lowres = new Float32Array(new SharedArrayBuffer(4));
  private output = new Uint8Array(new SharedArrayBuffer(4));
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly inlineKernel = new MarchKernel();
  private readonly inlineScratch = createChunkScratch();
  private readonly inlineAssets = new Map<number, RenderAsset>();
  private broken: Error | null = null;
  private busy = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: WorkerReply) => this.onReply(reply));
      w.on('error', (error) => this.fail(error));
      w.on('exit', (code) => {
        // close() removes workers before terminating them; any other exit is a failure.
        if (this.workers.includes(w)) this.fail(new Error(`render worker exited (${code})`));
      });
    }
  }

  static async start(threads: number): Promise<RenderPool> {
    const workers: Worker[] = [];
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL('./render-worker-entry.mjs', import.meta.url));
      await new Promise<void>((resolve, reject) => {
        w.once('online', () => resolve());
        w.once('error', reject);
      });
      workers.push(w);
    }
    return new RenderPool(workers);
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Makes an asset readable by every thread (idempotent). */
  attach(asset: RenderAsset): void {
    if (this.attached.has(asset.id)) return;
    this.attached.add(asset.id);
    if (this.workers.length === 0) {
      this.inlineAssets.set(asset.id, asset);
      return;
    }
    const message: WorkerMessage = {
      type: 'asset',
      id: asset.id,
      packed: asset.packed,
      resolution: asset.resolution,
      cells: asset.occ.cells,
      extent: asset.occ.extent,
      grid: asset.occ.grid,
      bounds: asset.occ.bounds,
    };
    for (const w of this.workers) w.postMessage(message);
  }

  detach(assetId: number): void {
    if (!this.attached.delete(assetId)) return;
    this.inlineAssets.delete(assetId);
    for (const w of this.workers) w.postMessage({ type: 'drop', id: assetId } satisfies WorkerMessage);
  }

  /** Shared buffers sized for a job (grown, never shrunk). */
  buffersFor(lowresFloats: number, outputBytes: number): RenderJobBuffers {
    if (this.lowres.length < lowresFloats) this.lowres = new Float32Array(new SharedArrayBuffer(lowresFloats * 4));
    if (this.output.length < outputBytes) this.output = new Uint8Array(new SharedArrayBuffer(outputBytes));
    const output = this.output.subarray(0, outputBytes);
    const output32 = new Uint32Array(output.buffer, 0, outputBytes / 4);
    return { lowres: this.lowres, output, output32, counter: this.counter };
  }

  async run(spec: RenderJobSpec, buffers: RenderJobBuffers): Promise<JobResult> {
    if (this.broken) throw this.broken;
    if (this.busy) throw new Error('RenderPool.run called while a job is running');
    if (!this.attached.has(spec.assetId)) throw new Error(`asset ${spec.assetId} is not attached`);
    this.busy = true;
    Atomics.store(this.counter, 0, 0);
    try {
      if (this.workers.length === 0) {
        const asset = this.inlineAssets.get(spec.assetId) as RenderAsset;
        this.inlineKernel.bind(asset.packed, asset.resolution, asset.occ as Occupancy);
        this.inlineKernel.samplesDecoded = 0;
        runChunks(this.inlineKernel, spec, buffers, this.inlineScratch);
        return { decoded: this.inlineKernel.samplesDecoded };
      }
      const jobId = ++this.jobId;
      const result = new Promise<JobResult>((resolve, reject) => {
        this.pending.set(jobId, { left: this.workers.length, decoded: 0, resolve, reject, error: null });
      });
      const message: WorkerMessage = { type: 'job', jobId, spec, buffers };
      for (const w of this.workers) w.postMessage(message);
      return await result;
    } finally {
      this.busy = false;
    }
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.jobId);
    if (!p) return;
    p.decoded += reply.decoded;
    if (reply.error) p.error = reply.error;
    if (--p.left > 0) return;
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

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
