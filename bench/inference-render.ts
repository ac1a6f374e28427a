/**
 * The tri-plane renderer: the sparse CPU ray marcher (what the node runs on CPU) against the
 * straightforward ONNX graph (GridSample + decoder MLP over every sample, EG3D's coarse +
 * importance sampling, nothing skipped) on the same synthetic head, same cameras, same
 * quality settings, in the same run. Prints ms per flat view and fps per quality level, quilt
 * times (5 x 9 = 45 and 8 x 6 = 48 views), the speedup over the graph and the PSNR of the fast
 * output against the graph's, and the memory one cached sender costs.
 *
 *   npx tsx bench/inference-render.ts [--quick] [--ep=cpu|webgpu|cuda] [--threads=N] [--full]
 *
 * --ep picks the execution provider of the ONNX graph (the fast marcher is CPU code; on a GPU
 * the graph row is the GPU renderer's time). --full also measures the graph for every quilt
 * level (slow on CPU). Results also go to bench/out/inference-render.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import {
  CpuRenderStage,
  createSyntheticHead,
  createTriplane,
  OnnxRenderStage,
  QUALITY_LEVELS,
  type QualityLevel,
  RenderPool,
  type RenderRequest,
  type RenderStage,
} from '@holocall/inference';
import { cameraFromAngles, type HeadPose } from '@holocall/protocol';
import { createLogger } from '../apps/inference/src/log';
import { chooseProvider, parseProviderRequest } from '../apps/inference/src/onnx/execution-providers';
import { camerasForView } from '../apps/inference/src/render/view-cameras';
import { AvatarCache } from '../apps/inference/src/senders/avatar-cache';
import { psnrRgb } from './inference/image-metrics';
import { flag, hasFlag } from './inference/options';
import { fmt, median, printTable, timeIt } from './inference/timing';

const argv = process.argv.slice(2);
const quick = hasFlag(argv, 'quick');
const full = hasFlag(argv, 'full');
const threads = Number(flag(argv, 'threads') ?? availableParallelism());
const log = createLogger({ bench: 'inference-render' }, 'warn');

const FLAT_SIZE = 512;
const QUILTS = [
  { name: '5x9', cols: 5, rows: 9, tileWidth: 819, tileHeight: 455, viewConeDeg: 40 }, // 4096 x 4095 landscape quilt
  { name: '8x6', cols: 8, rows: 6, tileWidth: 420, tileHeight: 560, viewConeDeg: 40 }, // 3360 x 3360 portrait quilt
];

const FRONTAL_POSE: HeadPose = { rotation: [0, 0, 0], translation: [0, 0, 0.6] };

function flatRequest(i: number, quality: QualityLevel): RenderRequest {
  // A gentle head turn so frames are not identical.
  const cam = cameraFromAngles({ yaw: 0.25 * Math.sin(i * 0.7), pitch: 0.08 * Math.cos(i * 0.5) });
  return { cameras: [cam], layout: { kind: 'flat' }, tileWidth: FLAT_SIZE, tileHeight: FLAT_SIZE, quality };
}

function quiltRequest(q: (typeof QUILTS)[number], quality: QualityLevel): RenderRequest {
  // The node's own view cameras: an orbit over the cone about the frontal view, square pixels on non-square tiles.
  const { name: _name, ...view } = q;
  return { ...camerasForView({ kind: 'quilt', ...view, followPose: false }, FRONTAL_POSE), quality };
}

async function main(): Promise<void> {
  const choice = await chooseProvider(parseProviderRequest(flag(argv, 'ep') ?? 'cpu'), log);
  console.log(
    `inference-render: fast = sparse CPU marcher on ${threads} thread(s); baseline = straightforward ONNX graph on ${choice.provider}` +
      `${choice.refused.length ? ` (refused: ${choice.refused.map((r) => `${r.provider}: ${r.reason}`).join('; ')})` : ''}` +
      `; CPU: ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}`,
  );
  const head = createSyntheticHead();
  const fast = new CpuRenderStage(await RenderPool.start(threads));
  const graph = new OnnxRenderStage(choice.provider, log);
  const pf = await fast.prepare(head);
  const pg = await graph.prepare(head);
  // The same head with only the 5 channels the analytic decoder reads: the graph then samples
  // 5 channels instead of 32, which separates the gain from skipping work from the gain from
  // reading fewer channels.
  const head5 = createTriplane(head.resolution, 5);
  const area = head.resolution * head.resolution;
  for (let p = 0; p < 3; p++) head5.data.set(head.data.subarray(p * 32 * area, (p * 32 + 5) * area), p * 5 * area);
  const pg5 = await graph.prepare(head5);
  const results: Record<string, unknown>[] = [];

  // ---- flat views ----
  const reps = quick ? 5 : 20;
  const flatRows: (string | number)[][] = [];
  for (const level of QUALITY_LEVELS) {
    let decoded = 0;
    let rays = '';
    const fastTimes = await timeIt(
      async (i) => {
        const f = await fast.render(pf, null, flatRequest(i, level));
        decoded = f.decodedSamples / (f.rays.width * f.rays.height);
        rays = `${f.rays.width}x${f.rays.height} ${f.rays.coarseSamples}+${f.rays.fineSamples}`;
      },
      reps,
      3,
    );
    const graphReps = quick || level === 'high' ? 1 : 3;
    const graphTimes = await timeIt(() => graph.render(pg, null, flatRequest(0, level)), graphReps, 1);
    const graph5Times = await timeIt(() => graph.render(pg5, null, flatRequest(0, level)), graphReps, 1);
    const reference = (await graph.render(pg, null, flatRequest(0, level))).pixels.slice();
    const mine = (await fast.render(pf, null, flatRequest(0, level))).pixels;
    const psnr = psnrRgb(mine, reference);
    const fm = median(fastTimes);
    const fmin = fastTimes[0] as number;
    const gmin = graphTimes[0] as number;
    const g5min = graph5Times[0] as number;
    flatRows.push([
      level,
      rays,
      fmt(decoded),
      fmt(fm),
      fmt(fmin),
      fmt(1000 / fm, 0),
      fmt(gmin),
      fmt(gmin / fmin),
      fmt(g5min),
      fmt(g5min / fmin),
      fmt(psnr),
    ]);
    results.push({
      kind: 'flat',
      level,
      rays,
      decodedPerRay: decoded,
      fastMs: fm,
      fastMinMs: fmin,
      fps: 1000 / fm,
      graphMinMs: gmin,
      speedup: gmin / fmin,
      graph5chMinMs: g5min,
      speedup5ch: g5min / fmin,
      psnr,
    });
  }
  console.log(
    `\nflat view, ${FLAT_SIZE}x${FLAT_SIZE} output (fast: ${reps} runs; graph: 1-3 runs; speedup = best graph / best fast,` +
      ' the least disturbed by other load on the machine; "5ch": the graph fed only the 5 channels the decoder reads)',
  );
  printTable(
    [
      'level',
      'rays, samples',
      'decoded/ray',
      'fast ms',
      'best ms',
      'fps',
      'graph best ms',
      'speedup',
      'graph 5ch ms',
      'speedup 5ch',
      'PSNR dB',
    ],
    flatRows,
  );

  // A non-zero residual each frame (what a real reenact backend returns): T' = T + residual is
  // packed and its occupancy grid rebuilt before rendering.
  const residual = createTriplane();
  for (let i = 0; i < residual.data.length; i += 97) residual.data[i] = 0.01;
  // Interleaved with plain frames so both see the same load; best of each.
  const plain: number[] = [];
  const withResidual: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    let t = performance.now();
    await fast.render(pf, null, flatRequest(i, 'interactive'));
    plain.push(performance.now() - t);
    t = performance.now();
    await fast.render(pf, residual, flatRequest(i, 'interactive'));
    withResidual.push(performance.now() - t);
  }
  const rm = Math.min(...withResidual.slice(3));
  const pm = Math.min(...plain.slice(3));
  console.log(
    `\nwith a residual every frame (interactive): best ${fmt(rm)} ms, ${fmt(1000 / rm, 0)} fps ` +
      `(${fmt(rm - pm)} ms more than without: packing T' = T + residual and rebuilding the occupancy grid)`,
  );
  results.push({ kind: 'flat-with-residual', level: 'interactive', fastMs: rm, fps: 1000 / rm });

  // ---- quilts ----
  const quiltRows: (string | number)[][] = [];
  for (const q of QUILTS) {
    for (const level of QUALITY_LEVELS) {
      const req = quiltRequest(q, level);
      let rays = '';
      const times = await timeIt(
        async () => {
          const f = await fast.render(pf, null, req);
          rays = `${f.rays.width}x${f.rays.height} ${f.rays.coarseSamples}+${f.rays.fineSamples}`;
        },
        quick ? 1 : 3,
        1,
      );
      const fm = times[0] as number;
      let gm = Number.NaN;
      let psnr = Number.NaN;
      if (full || level === 'interactive') {
        gm = median(await timeIt(() => graph.render(pg, null, req), 1, 0));
        const reference = (await graph.render(pg, null, req)).pixels.slice();
        psnr = psnrRgb((await fast.render(pf, null, req)).pixels, reference);
      }
      const views = q.cols * q.rows;
      quiltRows.push([
        `${q.name} (${views})`,
        `${q.cols * q.tileWidth}x${q.rows * q.tileHeight}`,
        level,
        rays,
        fmt(fm),
        fmt(fm / views, 2),
        fmt(1000 / fm, 1),
        fmt(gm),
        fmt(gm / fm),
        fmt(psnr),
      ]);
      results.push({
        kind: 'quilt',
        quilt: q.name,
        views,
        level,
        rays,
        fastMs: fm,
        msPerView: fm / views,
        graphMs: gm,
        speedup: gm / fm,
        psnr,
      });
    }
  }
  console.log('\nquilts (fast: best of 3; graph: one run, interactive only unless --full)');
  printTable(
    [
      'quilt',
      'output',
      'level',
      'rays/view, samples',
      'fast ms',
      'ms/view',
      'quilts/s',
      'graph ms',
      'speedup',
      'PSNR dB',
    ],
    quiltRows,
  );

  // ---- memory per cached sender ----
  const before = process.memoryUsage();
  const cache = new AvatarCache(fast as RenderStage, 4 * 1024 ** 3, log);
  const avatars = 4;
  for (let i = 0; i < avatars; i++) {
    const t = createSyntheticHead();
    await cache.put(`${'a'.repeat(31)}${i}`, t, {});
  }
  const after = process.memoryUsage();
  const stats = cache.stats();
  const measured = (after.arrayBuffers - before.arrayBuffers) / avatars;
  console.log(
    `\nmemory per cached sender: ${fmt(stats.bytesPerAvatar / 2 ** 20, 2)} MiB accounted ` +
      `(tri-plane 24 MiB + packed render planes 3.75 MiB + occupancy grid 0.25 MiB); ` +
      `array buffers grew ${fmt(measured / 2 ** 20, 2)} MiB per sender over ${avatars}`,
  );
  results.push({ kind: 'memory', bytesPerSender: stats.bytesPerAvatar, arrayBuffersPerSender: measured });
  cache.clear();

  mkdirSync('bench/out', { recursive: true });
  writeFileSync(
    'bench/out/inference-render.json',
    JSON.stringify({ when: new Date().toISOString(), graphProvider: choice.provider, threads, results }, null, 2),
  );
  await fast.close();
  await graph.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
