/**
 * The neural backend's cost with UNTRAINED architecture-size graphs (generated weights; the
 * outputs are noise): lift (image -> tri-plane), reenact (VOODOO 3D expression module ->
 * residual tri-plane) and render (EG3D-size 128^2 volume rendering, 48 + 48 samples, plus a
 * conv upsampler to 512^2), on the chosen execution provider. The baseline in the same run is
 * the node's CPU render path (sparse marcher at the 'high' level, EG3D's ray count and samples,
 * bilinear upsampling to 512^2) on the same tri-plane size.
 *
 *   npx tsx bench/inference-neural.ts [--quick] [--ep=cpu|webgpu|cuda] [--views=N]
 *
 * --views: views in the multi-view render row (default 2 on CPU, 8 on a GPU).
 *
 * Results also go to bench/out/inference-neural.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import {
  CpuRenderStage,
  createSyntheticHead,
  createTriplane,
  RenderPool,
  type RenderRequest,
} from '@holocall/inference';
import { cameraFromAngles } from '@holocall/protocol';
import * as ort from 'onnxruntime-node';
import { createLogger } from '../apps/inference/src/log';
import { LIFT_IO } from '../apps/inference/src/neural/model-contract';
import { DEFAULT_MODELS_DIR, ensureGeneratedModels } from '../apps/inference/src/neural/model-store';
import { NeuralReenact, NeuralRenderStage, openContractSession } from '../apps/inference/src/neural/neural-backend';
import { chooseProvider, parseProviderRequest } from '../apps/inference/src/onnx/execution-providers';
import { flag, hasFlag } from './inference/options';
import { fmt, median, printTable, timeIt } from './inference/timing';

const argv = process.argv.slice(2);
const quick = hasFlag(argv, 'quick');
const views = flag(argv, 'views');
const log = createLogger({ bench: 'inference-neural' }, 'warn');
const mib = (bytes: number) => fmt(bytes / 2 ** 20, 0);

function request(views: number): RenderRequest {
  const cameras = Array.from({ length: views }, (_, v) =>
    cameraFromAngles({ yaw: 0.3 * (v / Math.max(1, views - 1) - 0.5), pitch: 0 }),
  );
  return views === 1
    ? { cameras, layout: { kind: 'flat' }, tileWidth: 512, tileHeight: 512, quality: 'high' }
    : { cameras, layout: { kind: 'quilt', cols: views, rows: 1 }, tileWidth: 512, tileHeight: 512, quality: 'high' };
}

async function main(): Promise<void> {
  ensureGeneratedModels(DEFAULT_MODELS_DIR, log);
  const choice = await chooseProvider(parseProviderRequest(flag(argv, 'ep') ?? 'cpu'), log);
  console.log(
    `inference-neural: UNTRAINED generated graphs (random weights, outputs are noise) on ${choice.provider}` +
      `${choice.refused.length ? ` (refused: ${choice.refused.map((r) => `${r.provider}: ${r.reason}`).join('; ')})` : ''}` +
      `; CPU: ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}`,
  );
  const reps = quick ? 1 : 3;
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown>[] = [];
  const head = createSyntheticHead();
  const record = (name: string, loadMs: number, times: number[], rssBefore: number, extra = '') => {
    const ms = median(times);
    const rss = process.memoryUsage().rss - rssBefore;
    rows.push([name, fmt(loadMs, 0), fmt(ms), fmt(1000 / ms, 2), mib(rss), extra]);
    results.push({
      stage: name,
      loadMs,
      ms,
      perSecond: 1000 / ms,
      rssDeltaBytes: rss,
      untrained: true,
      provider: choice.provider,
    });
  };

  // render
  let rss = process.memoryUsage().rss;
  let t = performance.now();
  const render = await NeuralRenderStage.open(DEFAULT_MODELS_DIR, choice.provider, log);
  let load = performance.now() - t;
  const prepared = await render.prepare(head);
  record(
    'render, 1 view (UNTRAINED)',
    load,
    await timeIt(() => render.render(prepared, null, request(1)), reps, 1),
    rss,
    '128^2 x (48+48) + upsampler to 512^2',
  );
  const many = Number(views ?? (choice.provider === 'cpu' ? 2 : 8));
  record(
    `render, ${many} views (UNTRAINED)`,
    0,
    await timeIt(() => render.render(prepared, null, request(many)), 1, 0),
    rss,
    `${render.viewBatch} view(s) per run`,
  );
  const neuralPerView = median(results.map((r) => r.ms as number).slice(0, 1));
  await render.close();

  // reenact
  rss = process.memoryUsage().rss;
  t = performance.now();
  const reenact = await NeuralReenact.open(DEFAULT_MODELS_DIR, choice.provider, log);
  load = performance.now() - t;
  const input = { source: head, sourceFace: {}, driver: { kind: 'none' as const } };
  record(
    'reenact (UNTRAINED)',
    load,
    await timeIt(() => reenact.residual(input), reps, 1),
    rss,
    'Tab. 4 + Tab. 5, conv stand-ins for DeepLabV3',
  );
  await reenact.close();

  // lift
  rss = process.memoryUsage().rss;
  t = performance.now();
  // The node never runs a neural lift (enrollment uses the reference lift): this times the
  // contract's lift.onnx itself, with its input conversion and the copy into a tri-plane.
  const lift = await openContractSession(DEFAULT_MODELS_DIR, 'lift', choice.provider, log, LIFT_IO);
  load = performance.now() - t;
  const rgb = new Float32Array(3 * 512 * 512).fill(0.5);
  const cam = cameraFromAngles({ yaw: 0, pitch: 0 });
  const liftOnce = async () => {
    const image = new Float32Array(rgb.length);
    for (let i = 0; i < rgb.length; i++) image[i] = (rgb[i] as number) * 2 - 1; // [0, 1] -> [-1, 1]
    const out = await lift.session.run({
      [LIFT_IO.inputs.image]: new ort.Tensor('float32', image, [1, 3, 512, 512]),
      [LIFT_IO.inputs.camera]: new ort.Tensor('float32', cam, [1, 25]),
    });
    createTriplane().data.set((out[LIFT_IO.outputs.triplane] as ort.Tensor).data as Float32Array);
  };
  record('lift (UNTRAINED)', load, await timeIt(liftOnce, reps, 1), rss, 'Lp3D-like, approximate');
  await lift.session.release();

  // baseline: the CPU path at EG3D's settings
  const cpu = new CpuRenderStage(await RenderPool.start(availableParallelism()));
  const cp = await cpu.prepare(head);
  const cpuTimes = await timeIt(() => cpu.render(cp, null, request(1)), quick ? 3 : 10, 2);
  rows.push([
    'baseline: sparse CPU marcher, high',
    '-',
    fmt(median(cpuTimes)),
    fmt(1000 / median(cpuTimes), 2),
    '-',
    '128^2 x (48+48), bilinear to 512^2',
  ]);
  await cpu.close();

  console.log(`\nper-stage cost (median of ${reps}; memory = RSS growth while the stage was loaded and run)`);
  printTable(['stage', 'load ms', 'ms', 'per s', 'RSS MiB', 'notes'], rows);
  console.log(
    `\nneural render / sparse CPU render (1 view): ${fmt(neuralPerView / median(cpuTimes))}x slower. ` +
      'The neural numbers are what a trained model of this architecture would cost; the images are noise.',
  );
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(
    'bench/out/inference-neural.json',
    JSON.stringify(
      {
        when: new Date().toISOString(),
        provider: choice.provider,
        untrained: true,
        results,
        cpuBaselineMs: median(cpuTimes),
      },
      null,
      2,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
