import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { AdaptiveQuality, FLAT_PRESETS, rayGridFor } from '../src/render/quality';
import { RenderPool } from '../src/render/render-pool';
import { outputRowsForSourceBand } from '../src/render/upsample';
import type { RenderRequest } from '../src/stages/contract';
import { createTriplane } from '../src/triplane/layout';
import { createSyntheticHead } from '../src/triplane/synthetic-head';
import { orbit } from './support/triplane-scenes';

describe('CPU render stage', () => {
  const head = createSyntheticHead(64);
  let threaded: CpuRenderStage;
  let inline: CpuRenderStage;
  beforeAll(async () => {
    threaded = new CpuRenderStage(await RenderPool.start(2));
    inline = new CpuRenderStage(await RenderPool.start(0));
  });
  afterAll(async () => {
    await threaded.close();
    await inline.close();
  });

  const flat = (cam: Float32Array, quality: RenderRequest['quality'] = 'interactive'): RenderRequest => ({
    cameras: [cam],
    layout: { kind: 'flat' },
    tileWidth: 96,
    tileHeight: 80,
    quality,
  });

  it('renders the same pixels on worker threads as inline', async () => {
    const a = await threaded.prepare(head);
    const b = await inline.prepare(head);
    const fa = await threaded.render(a, null, flat(orbit(0.3, 0.1)));
    const pa = fa.pixels.slice();
    const fb = await inline.render(b, null, flat(orbit(0.3, 0.1)));
    expect(fa.width).toBe(96);
    expect(fa.height).toBe(80);
    expect(Buffer.from(pa).equals(Buffer.from(fb.pixels))).toBe(true);
    expect(pa.some((v) => v > 0)).toBe(true);
  });

  it('tiles a quilt with view 0 bottom-left, each tile equal to that view rendered alone', async () => {
    const p = await threaded.prepare(head);
    const cams = [-0.4, -0.2, 0, 0.2, 0.4, 0.6].map((yaw) => orbit(yaw));
    const q = await threaded.render(p, null, {
      cameras: cams,
      layout: { kind: 'quilt', cols: 3, rows: 2 },
      tileWidth: 40,
      tileHeight: 48,
      quality: 'interactive',
    });
    const quilt = q.pixels.slice();
    expect([q.width, q.height]).toEqual([120, 96]);
    for (const [view, col, rowFromTop] of [
      [0, 0, 1],
      [2, 2, 1],
      [3, 0, 0],
      [5, 2, 0],
    ] as const) {
      // One view alone would use the flat preset: render it twice side by side to get the quilt preset.
      const pair = await threaded.render(p, null, {
        cameras: [cams[view]!, cams[view]!],
        layout: { kind: 'quilt', cols: 2, rows: 1 },
        tileWidth: 40,
        tileHeight: 48,
        quality: 'interactive',
      });
      for (let y = 0; y < 48; y++) {
        const tileRow = quilt.subarray(
          ((rowFromTop * 48 + y) * 120 + col * 40) * 4,
          ((rowFromTop * 48 + y) * 120 + col * 40 + 40) * 4,
        );
        const aloneRow = pair.pixels.subarray(y * 80 * 4, (y * 80 + 40) * 4);
        expect(Buffer.from(tileRow).equals(Buffer.from(aloneRow))).toBe(true);
      }
    }
  });

  it('adds a residual to the source before rendering, and keeps the source intact', async () => {
    const p = await threaded.prepare(head);
    const before = (await threaded.render(p, null, flat(orbit(0)))).pixels.slice();
    // A residual that removes every density: the frame must be empty.
    const residual = createTriplane(64);
    residual.data.fill(-5, 0, 3 * 32 * 64 * 64);
    const emptied = await threaded.render(p, residual, flat(orbit(0)));
    expect(emptied.pixels.every((v) => v === 0)).toBe(true);
    const after = (await threaded.render(p, null, flat(orbit(0)))).pixels;
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
  });

  it('refuses bad requests with typed errors', async () => {
    const p = await threaded.prepare(head);
    const badCam = orbit(0);
    badCam[0] = 3;
    await expect(threaded.render(p, null, flat(badCam))).rejects.toMatchObject({ code: 'bad_request' });
    await expect(
      threaded.render(p, null, { ...flat(orbit(0)), layout: { kind: 'quilt', cols: 2, rows: 2 } }),
    ).rejects.toMatchObject({ code: 'bad_request' });
    await expect(
      threaded.render(p, null, { ...flat(orbit(0)), tileWidth: 5000, tileHeight: 5000 }),
    ).rejects.toMatchObject({ code: 'too_large' });
  });
});

describe('upsampling bands', () => {
  it('partitions output rows between source bands for any ratio', () => {
    for (const [srcH, outH] of [
      [64, 256],
      [35, 560],
      [48, 48],
      [96, 80],
      [7, 1000],
    ] as const) {
      for (const bands of [1, 3, 8]) {
        const rows = Math.ceil(srcH / bands);
        let next = 0;
        for (let b = 0; b < bands; b++) {
          const r0 = Math.min(srcH, b * rows);
          const r1 = Math.min(srcH, r0 + rows);
          if (r0 >= srcH) continue;
          const [y0, y1] = outputRowsForSourceBand(srcH, outH, r0, r1);
          expect(y0).toBe(next);
          next = Math.max(next, y1);
        }
        expect(next).toBe(outH);
      }
    }
  });
});

describe('quality', () => {
  it('shapes the ray grid to the tile and never exceeds its pixels', () => {
    expect(rayGridFor(FLAT_PRESETS.high, 512, 512)).toEqual({ width: 128, height: 128 });
    const tall = rayGridFor(FLAT_PRESETS.interactive, 420, 560);
    expect(tall.width / tall.height).toBeCloseTo(0.75, 1);
    expect(rayGridFor(FLAT_PRESETS.high, 32, 32)).toEqual({ width: 32, height: 32 });
  });

  it('steps down when frames are over budget and back up after a long run under it', () => {
    const q = new AdaptiveQuality(30, 'high');
    for (let i = 0; i < 4; i++) q.record(60);
    expect(q.level).toBe('high');
    expect(q.record(60)).toEqual({ level: 'balanced', changed: true });
    for (let i = 0; i < 5; i++) q.record(60);
    expect(q.level).toBe('interactive');
    for (let i = 0; i < 29; i++) q.record(5);
    expect(q.level).toBe('interactive');
    q.record(5);
    expect(q.level).toBe('balanced');
  });
});
