/**
 * The page's own renderer (no inference node), in headless Chromium on this machine: the
 * product's page-render worker and the face tracker's worker, bundled as the web app bundles
 * them, served with and without cross-origin isolation. One remote peer and two, flat at
 * 512 x 512, with and without the tracker running on the local face; the lift of the fixture in
 * the page; and the page's image of one frame against the node's (PSNR). Baseline in the same
 * run: the node's own renderer in this Node process for the same frames, on one thread (the
 * page's situation) and on the node's render pool (2 threads).
 *
 * Frames are the real capture step's on the fixture's landmarks (latency/face-frames.ts) at
 * 30 Hz, with the yaw swept ±0.3 rad so the renderer sees a turning head.
 *
 *   npx tsx bench/page-render.ts [--seconds=8] [--tile=512]
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import { decodeDriverFrame, encodeDriverFrame } from '@holocall/protocol';
import { chromium } from '@playwright/test';
import { ReferenceReenact } from '../apps/inference/src/backends/reference/reenact';
import { runLiftJob } from '../apps/inference/src/enrollment/lift-job';
import { PageEngine } from '../apps/inference/src/page/page-engine';
import { CpuRenderStage } from '../apps/inference/src/render/cpu-render-stage';
import { RenderPool } from '../apps/inference/src/render/render-pool';
import { camerasForView } from '../apps/inference/src/render/view-cameras';
import { flag } from './inference/options';
import { createFaceFrameSource } from './latency/face-frames';
import { percentile, printMarkdownTable } from './latency/stats';
import type { PageRunOptions, PageRunResult } from './page-render/page-main';
import { bundleForBrowser, serveBenchSite } from './support/bench-page';

const argv = process.argv.slice(2);
const seconds = Number(flag(argv, 'seconds') ?? 8);
const tile = Number(flag(argv, 'tile') ?? 512);
const TARGETS = { onePeerFps: 24, twoPeerFps: 15, psnrDb: 40, liftMs: 3000 };

/** The product's workers and the bench page, bundled for the browser. */
function bundle(): Promise<Record<string, string>> {
  return bundleForBrowser({
    'worker.js': 'apps/web/src/client/page-render/page-render.worker.ts',
    'tracker.js': 'packages/face/src/browser/tracker.worker.ts',
    'main.js': 'bench/page-render/page-main.ts',
  });
}

function serve(scripts: Record<string, string>) {
  return serveBenchSite({
    scripts,
    files: {
      '/fixture.png': FIXTURE_PHOTO_PATH,
      '/vendor/segmentation/selfie.json': 'apps/inference/models/segmentation/selfie.json',
      '/vendor/segmentation/selfie.bin': 'apps/inference/models/segmentation/selfie.bin',
    },
    folders: {
      '/vendor/tfjs/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist',
      '/vendor/human/models/': 'node_modules/@vladmandic/human/models',
    },
  });
}

/** Driver frames as a call sends them, the yaw swept ±0.3 rad over 4 s. */
function driverFrames(count: number): Uint8Array[] {
  const source = createFaceFrameSource();
  return Array.from({ length: count }, (_, i) => {
    const f = decodeDriverFrame(source.next(1_700_000_000_000 + i * 33));
    f.pose.rotation = [0.3 * Math.sin((2 * Math.PI * i) / 120), f.pose.rotation[1], f.pose.rotation[2]];
    return encodeDriverFrame(f);
  });
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) se += ((a[i] as number) - (b[i] as number)) ** 2;
  const mse = se / ((a.length / 4) * 3);
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

async function nodeBaseline(frames: Uint8Array[], landmarks: Float32Array) {
  const view = { kind: 'flat' as const, width: tile, height: tile };
  const photo = loadFixturePhoto();
  const space = { width: photo.width, height: photo.height };
  // One thread, as in the page.
  const engine = new PageEngine();
  await engine.lift('fixture', photo, landmarks, space);
  const oneThread = { ms: [] as number[] };
  for (const [i, f] of frames.entries()) {
    const r = await engine.render('fixture', decodeDriverFrame(f), view);
    if (i >= 10) oneThread.ms.push(r.ms);
  }
  // The node's pool.
  const pool = await RenderPool.start(availableParallelism());
  const stage = new CpuRenderStage(pool);
  const job = runLiftJob({ image: readFileSync(FIXTURE_PHOTO_PATH), landmarks, landmarkSpace: space });
  const prepared = await stage.prepare(job.triplane, job.sourceFace);
  const reenact = new ReferenceReenact();
  const renderAt = async (f: Uint8Array, quality: 'interactive' | 'balanced' | 'high') => {
    const frame = decodeDriverFrame(f);
    const residual = await reenact.residual({
      source: job.triplane,
      sourceFace: job.sourceFace,
      driver: frame.expression,
    });
    const started = performance.now();
    const out = await stage.render(prepared, residual, { ...camerasForView(view, frame.pose), quality });
    return { pixels: out.pixels.slice(), ms: performance.now() - started };
  };
  const pooled = { ms: [] as number[] };
  for (const [i, f] of frames.entries()) {
    const r = await renderAt(f, 'interactive');
    if (i >= 10) pooled.ms.push(r.ms);
  }
  return { oneThread, pooled, renderAt, close: () => pool.close() };
}

async function main(): Promise<void> {
  console.log(
    `page renderer in headless Chromium: flat ${tile}x${tile}, ${seconds} s a scenario, ` +
      `${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const scripts = await bundle();
  const server = await serve(scripts);
  const port = (server.address() as AddressInfo).port;
  const frames = driverFrames(120);
  const photo = loadFixturePhoto();
  const landmarks = Float32Array.from(fixtureLandmarks('astronaut'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const options: PageRunOptions = {
    frames: frames.map((f) => [...f]),
    landmarks: [...landmarks],
    photoWidth: photo.width,
    photoHeight: photo.height,
    tile,
    seconds,
    warmUpSeconds: 3,
    scenarios: [
      { peers: 1, tracker: false },
      { peers: 1, tracker: true },
      { peers: 2, tracker: true },
    ],
  };
  const runs: { label: string; result: PageRunResult }[] = [];
  for (const isolated of [true, false]) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    page.on('crash', () => console.log('  the page crashed'));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().startsWith('bench:')) console.log(`  ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/?isolated=${isolated ? 1 : 0}`);
    await page.waitForFunction(() => 'runPageBench' in window);
    const result = (await page.evaluate(
      (o) => (window as unknown as { runPageBench: (o: PageRunOptions) => Promise<PageRunResult> }).runPageBench(o),
      isolated ? options : { ...options, scenarios: [{ peers: 1, tracker: true }] },
    )) as PageRunResult;
    runs.push({ label: isolated ? 'isolated' : 'not isolated', result });
    await page.close();
  }
  await browser.close();
  server.close();

  const baseline = await nodeBaseline(frames, landmarks);
  const first = runs[0]?.result as PageRunResult;
  const nodeRef = await baseline.renderAt(frames[0] as Uint8Array, first.referenceQuality);
  const pageRef = new Uint8Array(Buffer.from(first.reference, 'base64'));
  const agreement = psnr(pageRef, nodeRef.pixels);
  await baseline.close();

  const fps = (ms: number[]) => (ms.length ? 1000 / percentile(ms, 50) : 0);
  const nodeOneFps = fps(baseline.oneThread.ms);
  const nodePoolFps = fps(baseline.pooled.ms);
  const rows: string[][] = [];
  for (const { label, result } of runs) {
    for (const s of result.scenarios) {
      rows.push([
        `page (${label}), ${s.peers} peer${s.peers > 1 ? 's' : ''}${s.tracker ? ' + tracker' : ''}`,
        s.fpsPerPeer.toFixed(1),
        s.renderMs.length ? percentile(s.renderMs, 50).toFixed(1) : '–',
        s.renderMs.length ? percentile(s.renderMs, 95).toFixed(1) : '–',
        s.trackerMs.length ? percentile(s.trackerMs, 50).toFixed(1) : '–',
        Object.entries(s.quality)
          .map(([q, n]) => `${q} ${n}`)
          .join(', '),
        s.renderMs.length ? (percentile(baseline.oneThread.ms, 50) / percentile(s.renderMs, 50)).toFixed(2) : '–',
      ]);
    }
  }
  rows.push([
    'node code in Node, 1 thread, back to back (baseline)',
    `(${nodeOneFps.toFixed(1)} possible)`,
    percentile(baseline.oneThread.ms, 50).toFixed(1),
    percentile(baseline.oneThread.ms, 95).toFixed(1),
    '–',
    'adaptive',
    '1.00',
  ]);
  rows.push([
    `node's render pool, ${availableParallelism()} threads, back to back`,
    `(${nodePoolFps.toFixed(1)} possible)`,
    percentile(baseline.pooled.ms, 50).toFixed(1),
    percentile(baseline.pooled.ms, 95).toFixed(1),
    '–',
    'interactive',
    (percentile(baseline.oneThread.ms, 50) / percentile(baseline.pooled.ms, 50)).toFixed(2),
  ]);
  printMarkdownTable(
    [
      'renderer',
      'fps drawn per peer (frames arrive at 30 Hz)',
      'render ms p50',
      'p95',
      'tracker ms p50',
      'levels drawn',
      'speed vs node code on 1 thread (ms ratio)',
    ],
    rows,
  );
  console.log(
    `\nlift in the page: ${first.liftMs.toFixed(0)} ms (wall ${first.liftWallMs.toFixed(0)} ms; target ≤ ${TARGETS.liftMs}); ` +
      `segmentation on ${first.ready.backend}, started in ${first.ready.loadMs.toFixed(0)} ms; ` +
      `shared memory: ${first.ready.sharedMemory}, cross-origin isolated: ${first.crossOriginIsolated}`,
  );
  const notIsolated = runs[1]?.result;
  if (notIsolated)
    console.log(
      `not isolated: shared memory ${notIsolated.ready.sharedMemory}, cross-origin isolated ${notIsolated.crossOriginIsolated}`,
    );
  console.log(
    `page vs node, the same frame at '${first.referenceQuality}': PSNR ${Number.isFinite(agreement) ? agreement.toFixed(1) : '∞'} dB (target ≥ ${TARGETS.psnrDb})`,
  );
  const one = first.scenarios.find((s) => s.peers === 1 && s.tracker);
  const two = first.scenarios.find((s) => s.peers === 2);
  console.log(
    `targets: 1 peer + tracker ≥ ${TARGETS.onePeerFps} fps: ${one?.fpsPerPeer.toFixed(1)}; ` +
      `2 peers ≥ ${TARGETS.twoPeerFps} fps each: ${two?.fpsPerPeer.toFixed(1)}`,
  );
}

await main();
