/**
 * The sender's face tracker in headless Chromium on this machine, before and after it learned
 * to follow the face (packages/face/src/browser/mesh-tracker.ts), in the same run: the product's
 * tracker worker, bundled as the web app bundles it, fed a 640 x 480 moving-camera clip (zoom,
 * pan, roll at 30 fps) of each fixture face through TrackerClient, frame after frame as the
 * call page's capture loop does.
 *
 * "before" is the options the product shipped until this change (human.detect every frame with
 * skipFrames 5, no rotation pass); "after" is trackingOptions('video'). Printed per face: the
 * worker's ms a frame (p50, p95), the page's round trip, how often the detector ran, and the
 * landmark expression code: the clip is a still photo moved about, so every non-zero code value
 * is tracker error ("code noise", in quantisation steps of 1/127), and the two trackers' codes
 * are compared frame by frame.
 *
 *   npx tsx bench/tracker.ts [--frames=120]
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { canonicalLandmarks, EXPRESSION_CODE_LAYOUT, expressionCode } from '@holocall/face';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { chromium } from '@playwright/test';
import { flag } from './inference/options';
import { percentile, printMarkdownTable } from './latency/stats';
import { BENCH_ROOT, bundleForBrowser, serveBenchSite } from './support/bench-page';
import type { TrackerRunOptions, TrackerRunResult } from './tracker/page-main';
import { TRACKER_VARIANTS } from './tracker/variants';

const argv = process.argv.slice(2);
const frameCount = Number(flag(argv, 'frames') ?? 120);
const TARGET_MS = 10;
/** One quantisation step of the driver frame's int8 code (EXPRESSION_RANGE 1 over 127). */
const STEP = 1 / 127;
const VARIANTS = [TRACKER_VARIANTS.before, TRACKER_VARIANTS.after].map((v) => ({ name: v.label, options: v.options }));

const FACES = [
  {
    name: 'astronaut',
    photo: '/faces/astronaut.png',
    file: FIXTURE_PHOTO_PATH,
    neutral: () => fixtureLandmarks('astronaut'),
  },
  {
    name: 'grace-hopper',
    photo: '/faces/grace-hopper.jpg',
    file: 'test/fixtures/faces-extra/grace-hopper.jpg',
    neutral: () =>
      Float64Array.from(
        JSON.parse(readFileSync(path.join(BENCH_ROOT, 'test/fixtures/faces-extra/grace-hopper.landmarks.json'), 'utf8'))
          .landmarks as number[],
      ),
  },
];

const GROUPS = [
  { name: 'mouth', from: 0, to: 18 },
  { name: 'lids', from: 18, to: 22 },
  { name: 'irises', from: 22, to: 26 },
  { name: 'brows', from: 26, to: 34 },
];

function codeOf(landmarks: number[], neutral: Float64Array): Float32Array {
  return expressionCode(canonicalLandmarks(landmarks).canonical, neutral);
}

const median = (v: number[]) => (v.length ? percentile(v, 50) : Number.NaN);
const steps = (v: number) => (Number.isFinite(v) ? (v / STEP).toFixed(2) : '–');

async function main(): Promise<void> {
  console.log(
    `face tracker in headless Chromium: ${frameCount}-frame 640x480 moving clip per face, ` +
      `${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const scripts = await bundleForBrowser({
    'tracker.js': 'packages/face/src/browser/tracker.worker.ts',
    'main.js': 'bench/tracker/page-main.ts',
  });
  const server = await serveBenchSite({
    scripts,
    files: Object.fromEntries(FACES.map((f) => [f.photo, f.file])),
    folders: {
      '/models/': 'node_modules/@vladmandic/human/models',
      '/wasm/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist',
    },
  });
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const runs = new Map<string, TrackerRunResult>();
  try {
    for (const face of FACES) {
      for (const variant of VARIANTS) {
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.waitForFunction(() => 'runTracker' in window);
        const options: TrackerRunOptions = {
          photo: face.photo,
          options: variant.options,
          frames: frameCount,
          warmUpPasses: 1,
        };
        const result = (await page.evaluate(
          (o) =>
            (window as unknown as { runTracker: (o: TrackerRunOptions) => Promise<TrackerRunResult> }).runTracker(o),
          options,
        )) as TrackerRunResult;
        runs.set(`${face.name}/${variant.name}`, result);
        await page.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  const rows: string[][] = [];
  const agreement: string[][] = [];
  const ratios: number[] = [];
  for (const face of FACES) {
    const neutral = canonicalLandmarks(face.neutral()).canonical;
    const codes = new Map<string, (Float32Array | null)[]>();
    const p50s: number[] = [];
    for (const variant of VARIANTS) {
      const r = runs.get(`${face.name}/${variant.name}`) as TrackerRunResult;
      const ms = r.frames.map((f) => f.detectMs);
      const trip = r.frames.map((f) => f.roundTripMs);
      const frameCodes = r.frames.map((f) => (f.landmarks ? codeOf(f.landmarks, neutral) : null));
      codes.set(variant.name, frameCodes);
      const noise = GROUPS.map((g) =>
        median(frameCodes.flatMap((c) => (c ? Array.from(c.subarray(g.from, g.to), Math.abs) : []))),
      );
      p50s.push(percentile(ms, 50));
      rows.push([
        face.name,
        variant.name,
        percentile(ms, 50).toFixed(1),
        percentile(ms, 95).toFixed(1),
        percentile(trip, 50).toFixed(1),
        `${r.frames.filter((f) => f.detected).length} / ${r.frames.length}`,
        String(r.frames.filter((f) => !f.landmarks).length),
        ...noise.map(steps),
      ]);
    }
    ratios.push((p50s[0] as number) / (p50s[1] as number));
    const before = codes.get(VARIANTS[0]?.name as string) ?? [];
    const after = codes.get(VARIANTS[1]?.name as string) ?? [];
    for (const g of GROUPS) {
      const deltas: number[] = [];
      before.forEach((b, i) => {
        const a = after[i];
        if (b && a) for (let k = g.from; k < g.to; k++) deltas.push(Math.abs((a[k] as number) - (b[k] as number)));
      });
      agreement.push([
        face.name,
        `${g.name} (${EXPRESSION_CODE_LAYOUT[g.from]?.name} …)`,
        steps(median(deltas)),
        steps(deltas.length ? percentile(deltas, 95) : Number.NaN),
        `${((100 * deltas.filter((d) => d <= STEP).length) / Math.max(1, deltas.length)).toFixed(0)} %`,
      ]);
    }
  }
  printMarkdownTable(
    [
      'face',
      'tracker',
      'worker ms p50',
      'p95',
      'page round trip p50',
      'detector ran',
      'frames lost',
      ...GROUPS.map((g) => `code noise ${g.name} (steps)`),
    ],
    rows,
  );
  console.log(
    '\nwhere a followed frame goes (after; worker ms p50): crop = one canvas draw of the upright ROI + tensor',
  );
  printMarkdownTable(
    ['face', 'crop', 'mesh model', 'iris model (both eyes)', 'rest (landmarks, ROI, worker reply)'],
    FACES.map((face) => {
      const r = runs.get(`${face.name}/${VARIANTS[1]?.name}`) as TrackerRunResult;
      const followed = r.frames.filter((f) => f.stages);
      const p = (pick: (f: (typeof followed)[number]) => number) => median(followed.map(pick));
      const rest = p((f) => f.detectMs - (f.stages?.cropMs ?? 0) - (f.stages?.meshMs ?? 0) - (f.stages?.irisMs ?? 0));
      return [
        face.name,
        p((f) => f.stages?.cropMs ?? 0).toFixed(2),
        p((f) => f.stages?.meshMs ?? 0).toFixed(2),
        p((f) => f.stages?.irisMs ?? 0).toFixed(2),
        rest.toFixed(2),
      ];
    }),
  );
  console.log('\nafter against before, the same frames (|Δ code| in quantisation steps):\n');
  printMarkdownTable(['face', 'code values', 'median', 'p95', 'within 1 step'], agreement);
  const first = runs.values().next().value as TrackerRunResult;
  console.log(
    `\nbackend ${first.backend}; speed-up p50 before/after: ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
      `target ≤ ${TARGET_MS} ms p50: ${rows
        .filter((r) => r[1]?.startsWith('after'))
        .map((r) => `${r[0]} ${r[2]}`)
        .join(', ')}`,
  );
}

await main();
