import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { InlineRenderPool, type JobResult } from '../src/render/inline-render-pool';
import { MarchKernel } from '../src/render/march-kernel';
import type { RenderAsset } from '../src/render/render-asset';
import {
  BAND_WAIT_MS,
  createChunkScratch,
  JOB_ABORTED,
  type RenderJobBuffers,
  type RenderJobSpec,
  runChunks,
} from '../src/render/render-job';
import { RenderPool } from '../src/render/render-pool';
import type { PreparedTriplane, RenderRequest } from '../src/stages/contract';
import { createSyntheticHead } from '../src/triplane/synthetic-head';
import { orbit } from './support/triplane-scenes';

const request: RenderRequest = {
  cameras: [orbit(0.2)],
  layout: { kind: 'flat' },
  tileWidth: 64,
  tileHeight: 64,
  quality: 'interactive',
};

describe('render pool: a dead worker is replaced', () => {
  let pool: RenderPool;
  let stage: CpuRenderStage;
  let prepared: PreparedTriplane;
  let reference: Uint8Array;
  beforeAll(async () => {
    pool = await RenderPool.start(2);
    stage = new CpuRenderStage(pool);
    prepared = await stage.prepare(createSyntheticHead(64));
    reference = (await stage.render(prepared, null, request)).pixels.slice();
  });
  afterAll(async () => {
    await stage.close();
  });

  it('respawns a worker killed between jobs; the next render is whole and the assets are back', async () => {
    await pool.killWorkerForTest(0);
    const frame = await stage.render(prepared, null, request);
    expect(Buffer.from(frame.pixels).equals(Buffer.from(reference))).toBe(true);
    expect(pool.stats()).toMatchObject({ threads: 2, alive: 2, respawns: 1, workerDeaths: 1, failed: false });
  });

  it('fails only the job a worker died in, then renders again', async () => {
    const big: RenderRequest = {
      ...request,
      cameras: Array.from({ length: 12 }, (_, i) => orbit(i * 0.05)),
      layout: { kind: 'quilt', cols: 4, rows: 3 },
      quality: 'high',
    };
    const started = Date.now();
    const during = stage.render(prepared, null, big);
    await pool.killWorkerForTest(1);
    // The kill may land after the job finished (then only the next job waits for the respawn);
    // on this machine it lands mid-job.
    const failed = await during.then(
      () => false,
      (e: Error) => {
        expect(e.message).toMatch(/render worker failed/);
        return true;
      },
    );
    expect(pool.counters.jobsFailedByDeath).toBe(failed ? 1 : 0);
    // The survivor does not sit out BAND_WAIT_MS for bands the dead worker had taken: the pool
    // aborts the job (this took 10 s whenever the kill landed between a band's march and its rows).
    expect(Date.now() - started).toBeLessThan(BAND_WAIT_MS / 4);
    const frame = await stage.render(prepared, null, request);
    expect(Buffer.from(frame.pixels).equals(Buffer.from(reference))).toBe(true);
    expect(pool.stats()).toMatchObject({ alive: 2, respawns: 2, workerDeaths: 2, failed: false });
  }, 30_000);
});

/**
 * A job whose march chunk a thread took and never finished (it died): the pool marks the job
 * aborted, and a surviving thread waiting on that band gives up at once instead of after
 * BAND_WAIT_MS. Staged deterministically on one thread.
 */
class DeadThreadPool extends InlineRenderPool {
  private readonly seen = new Map<number, RenderAsset>();
  waitedMs = Number.NaN;
  error: unknown = null;

  override attach(asset: RenderAsset): void {
    super.attach(asset);
    this.seen.set(asset.id, asset);
  }

  override async run(spec: RenderJobSpec, buffers: RenderJobBuffers): Promise<JobResult> {
    const asset = this.seen.get(spec.assetId) as RenderAsset;
    const kernel = new MarchKernel();
    kernel.bind(asset.packed, asset.resolution, asset.occ);
    buffers.bandsDone.fill(0);
    Atomics.store(buffers.counter, 0, 1); // chunk 0, band 0's march, went to a thread that died
    Atomics.store(buffers.counter, JOB_ABORTED, 1); // and the pool said so
    const started = Date.now();
    try {
      runChunks(kernel, spec, buffers, createChunkScratch(), null);
    } catch (error) {
      this.error = error;
    }
    this.waitedMs = Date.now() - started;
    throw this.error ?? new Error('the job finished without its first band');
  }
}

describe('render pool: a job a thread died in', () => {
  it('is aborted for the threads still waiting on its bands, at once', async () => {
    const pool = new DeadThreadPool();
    const stage = new CpuRenderStage(pool);
    const prepared = await stage.prepare(createSyntheticHead(64));
    await expect(stage.render(prepared, null, request)).rejects.toThrow(/aborted/);
    expect(pool.waitedMs).toBeLessThan(BAND_WAIT_MS / 10);
  }, 30_000);
});
