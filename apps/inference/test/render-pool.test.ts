import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
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
    const frame = await stage.render(prepared, null, request);
    expect(Buffer.from(frame.pixels).equals(Buffer.from(reference))).toBe(true);
    expect(pool.stats()).toMatchObject({ alive: 2, respawns: 2, workerDeaths: 2, failed: false });
  });
});
