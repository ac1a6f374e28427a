import { RAY_COORD_FLOATS } from './detail';
import { MarchKernel } from './march-kernel';
import type { RenderAsset } from './render-asset';
import {
  createChunkScratch,
  JOB_ABORTED,
  JOB_COUNTER_INTS,
  type RenderJobBuffers,
  type RenderJobSpec,
  resetJobState,
  runChunks,
} from './render-job';
import { SHARED_MEMORY, sharedBuffer } from './shared-memory';

export interface JobResult {
  /** Samples decoded by all threads together. */
  decoded: number;
}

/**
 * What the CPU render stage needs from its threads: assets they can read, the job's buffers,
 * and one job at a time. RenderPool (worker_threads, Node) and InlineRenderPool (the calling
 * thread: a page's Web Worker, or a node started with 0 render threads) provide it.
 */
export interface RenderThreads {
  readonly threads: number;
  attach(asset: RenderAsset): void;
  detach(assetId: number): void;
  buffersFor(lowresFloats: number, outputBytes: number, bands?: number): RenderJobBuffers;
  run(spec: RenderJobSpec, buffers: RenderJobBuffers): Promise<JobResult>;
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** A job's buffers, grown to the largest job seen and reused (a job's output is valid until the next job starts). */
export class JobBufferSet {
  private lowres = new Float32Array(sharedBuffer(4));
  private depth = new Float32Array(sharedBuffer(4));
  private coords = new Float32Array(sharedBuffer(4));
  private bandsDone = new Int32Array(sharedBuffer(4));
  private output = new Uint8Array(sharedBuffer(4));
  private readonly counter = new Int32Array(sharedBuffer(JOB_COUNTER_INTS * 4));

  /** Marks the running job aborted: its threads stop waiting for bands a dead thread would have marched. */
  abortRunning(): void {
    Atomics.store(this.counter, JOB_ABORTED, 1);
  }

  /**
   * Buffers sized for a job. `lowresFloats` is 4 per ray; the detail path's per-ray depth and
   * coordinates and its per-band flags (`bands`) come with it.
   */
  sizedFor(lowresFloats: number, outputBytes: number, bands = 1): RenderJobBuffers {
    const rays = Math.ceil(lowresFloats / 4);
    if (this.lowres.length < lowresFloats) this.lowres = new Float32Array(sharedBuffer(lowresFloats * 4));
    if (this.depth.length < rays) this.depth = new Float32Array(sharedBuffer(rays * 4));
    if (this.coords.length < rays * RAY_COORD_FLOATS)
      this.coords = new Float32Array(sharedBuffer(rays * RAY_COORD_FLOATS * 4));
    if (this.bandsDone.length < bands) this.bandsDone = new Int32Array(sharedBuffer(bands * 4));
    if (this.output.length < outputBytes) this.output = new Uint8Array(sharedBuffer(outputBytes));
    const output = this.output.subarray(0, outputBytes);
    const output32 = new Uint32Array(output.buffer, 0, outputBytes / 4);
    return {
      lowres: this.lowres,
      output,
      output32,
      counter: this.counter,
      depth: this.depth,
      coords: this.coords,
      bandsDone: this.bandsDone,
    };
  }
}

/**
 * Every job on the calling thread, its chunks in order (a detail chunk never waits: the bands it
 * reads are marched before it). Needs no shared memory, so it also runs in a page that is not
 * cross-origin isolated.
 */
export class InlineRenderPool implements RenderThreads {
  readonly threads = 0;
  private readonly kernel = new MarchKernel();
  private readonly scratch = createChunkScratch();
  private readonly assets = new Map<number, RenderAsset>();
  private readonly buffers: JobBufferSet;
  private busy = false;
  readonly counters = { jobs: 0 };

  constructor(buffers = new JobBufferSet()) {
    this.buffers = buffers;
  }

  attach(asset: RenderAsset): void {
    this.assets.set(asset.id, asset);
  }

  detach(assetId: number): void {
    this.assets.delete(assetId);
  }

  buffersFor(lowresFloats: number, outputBytes: number, bands = 1): RenderJobBuffers {
    return this.buffers.sizedFor(lowresFloats, outputBytes, bands);
  }

  async run(spec: RenderJobSpec, buffers: RenderJobBuffers): Promise<JobResult> {
    if (this.busy) throw new Error('InlineRenderPool.run called while a job is running');
    const asset = this.assets.get(spec.assetId);
    if (!asset) throw new Error(`asset ${spec.assetId} is not attached`);
    const textureId = spec.detail?.textureAssetId ?? 0;
    const texture = textureId ? (this.assets.get(textureId)?.texture ?? null) : null;
    if (textureId && !texture) throw new Error(`texture asset ${textureId} is not attached`);
    this.busy = true;
    try {
      resetJobState(buffers);
      this.kernel.bind(asset.packed, asset.resolution, asset.occ);
      this.kernel.samplesDecoded = 0;
      runChunks(this.kernel, spec, buffers, this.scratch, texture);
      this.counters.jobs++;
      return { decoded: this.kernel.samplesDecoded };
    } finally {
      this.busy = false;
    }
  }

  stats(): Record<string, unknown> {
    return { threads: 0, inline: true, sharedMemory: SHARED_MEMORY, ...this.counters };
  }

  async close(): Promise<void> {
    this.assets.clear();
  }
}
