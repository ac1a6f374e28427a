import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import { type DriverFrame, HolocallError, type ViewSpec } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceReenact } from '../src/backends/reference/reenact';
import { runLiftJob } from '../src/enrollment/lift-job';
import { PageEngine } from '../src/page/page-engine';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { RenderPool } from '../src/render/render-pool';
import { camerasForView } from '../src/render/view-cameras';
import { MOUTH_OPEN } from './support/reference-fixtures';

/**
 * The page's renderer (page/page-engine.ts) is the node's pipeline on one thread: for the same
 * enrolled photo and driver frame it must draw the node's image, and nothing it imports may
 * need Node (the web app bundles it into a Web Worker).
 */
const VIEW: ViewSpec = { kind: 'flat', width: 256, height: 256 };
const FRAME: DriverFrame = {
  seq: 7,
  captureTimeMs: 1_700_000_000_000,
  pose: { rotation: [0.25, 0.05, 0], translation: [0, 0, 0.6] },
  expression: { kind: 'landmarks', code: MOUTH_OPEN },
};

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) se += (a[i]! - b[i]!) ** 2;
  const mse = se / ((a.length / 4) * 3);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

describe('the page engine', () => {
  const engine = new PageEngine();
  const photo = loadFixturePhoto();
  const landmarks = Float32Array.from(fixtureLandmarks('astronaut'));
  const space = { width: photo.width, height: photo.height };
  let pool: RenderPool;

  beforeAll(async () => {
    pool = await RenderPool.start(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('draws what the node draws for the same photo and frame', async () => {
    const lift = await engine.lift('astronaut', photo, landmarks, space);
    expect(lift.bytes).toBeGreaterThan(0);
    const page = await engine.render('astronaut', FRAME, VIEW);
    // The page's own memory, not the stage's shared output: transferable to the page's main thread.
    expect(page.rendered.pixels.buffer).toBeInstanceOf(ArrayBuffer);
    const pagePixels = page.rendered.pixels;

    // The node's way: decode the stored file, lift in the lift job, render on two threads.
    const job = runLiftJob({ image: readFileSync(FIXTURE_PHOTO_PATH), landmarks, landmarkSpace: space });
    const stage = new CpuRenderStage(pool);
    const prepared = await stage.prepare(job.triplane, job.sourceFace);
    const residual = await new ReferenceReenact().residual({
      source: job.triplane,
      sourceFace: job.sourceFace,
      driver: FRAME.expression,
    });
    const node = await stage.render(prepared, residual, { ...camerasForView(VIEW, FRAME.pose), quality: page.quality });
    stage.release(prepared);

    expect(page.rendered.width).toBe(256);
    expect(node.width).toBe(256);
    expect(psnr(pagePixels, node.pixels)).toBeGreaterThanOrEqual(40);
    // A head, not an empty frame: a good share of the tile is covered.
    let covered = 0;
    for (let p = 3; p < pagePixels.length; p += 4) if (pagePixels[p]! > 128) covered++;
    expect(covered / (256 * 256)).toBeGreaterThan(0.2);
  });

  it('follows the driver: another yaw draws another image', async () => {
    const a = Uint8Array.from((await engine.render('astronaut', FRAME, VIEW)).rendered.pixels);
    const turned = { ...FRAME, pose: { ...FRAME.pose, rotation: [-0.35, 0.05, 0] as [number, number, number] } };
    const b = (await engine.render('astronaut', turned, VIEW)).rendered.pixels;
    expect(psnr(a, b)).toBeLessThan(30);
  });

  it('refuses an avatar it has not lifted, and landmarks that do not fit the photo, with typed errors', async () => {
    await expect(engine.render('nobody', FRAME, VIEW)).rejects.toMatchObject({ code: 'not_found' });
    const wrong = engine.lift('bad', photo, landmarks.subarray(0, 30), space);
    await expect(wrong).rejects.toBeInstanceOf(HolocallError);
    expect(engine.has('bad')).toBe(false);
    engine.forget('astronaut');
    expect(engine.has('astronaut')).toBe(false);
  });

  it('imports nothing that needs Node', () => {
    const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
    const seen = new Set<string>();
    const nodeOnly: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gms)) {
        const spec = (m[1] ?? m[2]) as string;
        if (m[0].startsWith('import type') || m[0].startsWith('export type')) continue;
        if (spec.startsWith('.')) visit(resolve(dirname(file), `${spec}.ts`));
        else if (/^(node:|fs$|path$|worker_threads$|onnxruntime|pngjs|jpeg-js|ws$)/.test(spec))
          nodeOnly.push(`${file.slice(src.length)} imports ${spec}`);
      }
    };
    visit(resolve(src, 'page/page-engine.ts'));
    visit(resolve(src, 'page/page-segmenter.ts'));
    expect(seen.size).toBeGreaterThan(15);
    expect(nodeOnly).toEqual([]);
  });
});
