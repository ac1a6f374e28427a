/**
 * Enrollment lift on the node: inline on the main thread (the baseline) against the lift
 * worker thread (what the node does), in the same run. For each: wall time of the lift
 * (decode + align + lift + prepare for the renderer), the longest event-loop stall while it
 * runs, and how many frames another sender got rendered meanwhile (the synthetic head, 128 px,
 * interactive, rendered back to back on the main thread, as the node's scheduler would).
 *
 *   npx tsx apps/inference/scripts/bench-lift.ts [--reps=3]
 */
import { readFileSync } from 'node:fs';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { cameraFromAngles } from '@holocall/protocol';
import { fmt, median, printTable } from '../../../bench/inference/timing';
import { runLiftJob } from '../src/enrollment/lift-job';
import { LiftWorker } from '../src/enrollment/lift-worker-client';
import { createLogger } from '../src/log';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { prepareRenderAsset } from '../src/render/render-asset';
import { RenderPool } from '../src/render/render-pool';
import { createSyntheticHead } from '../src/triplane/synthetic-head';

const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
const input = {
  image: new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH)),
  landmarks: Float32Array.from(fixtureLandmarks('astronaut')),
  landmarkSpace: { width: 512, height: 512 },
};

const stage = new CpuRenderStage(await RenderPool.start(0));
const other = await stage.prepare(createSyntheticHead());
const camera = cameraFromAngles({ yaw: 0.2, pitch: 0 });

/** Runs `lift` while another sender's frames render back to back and a 2 ms timer measures stalls. */
async function measure(lift: () => Promise<unknown>): Promise<{ ms: number; maxStallMs: number; frames: number }> {
  let running = true;
  let frames = 0;
  let maxStall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxStall = Math.max(maxStall, now - last);
    last = now;
  }, 2);
  const renderLoop = (async () => {
    while (running) {
      await stage.render(other, null, {
        cameras: [camera],
        layout: { kind: 'flat' },
        tileWidth: 128,
        tileHeight: 128,
        quality: 'interactive',
      });
      frames++;
      await new Promise((r) => setImmediate(r)); // the scheduler yields between frames too
    }
  })();
  const t = performance.now();
  await lift();
  const ms = performance.now() - t;
  running = false;
  await renderLoop;
  clearInterval(timer);
  return { ms, maxStallMs: maxStall, frames };
}

const worker = new LiftWorker(createLogger({}, 'silent'));
await worker.run(input, () => {}); // start the thread and warm it (first lift pays ~0.3 s of module loading)
runLiftJob(input); // warm the inline path's JIT too

const rows: { mode: string; ms: number[]; stall: number[]; fps: number[] }[] = [
  { mode: 'inline (main thread)', ms: [], stall: [], fps: [] },
  { mode: 'lift worker thread', ms: [], stall: [], fps: [] },
];
for (let i = 0; i < reps; i++) {
  const inline = await measure(async () => {
    const out = runLiftJob(input);
    prepareRenderAsset(out.triplane);
  });
  const threaded = await measure(async () => {
    const out = await worker.run(input, () => {});
    prepareRenderAsset(out.triplane);
  });
  for (const [row, m] of [
    [rows[0]!, inline],
    [rows[1]!, threaded],
  ] as const) {
    row.ms.push(m.ms);
    row.stall.push(m.maxStallMs);
    row.fps.push((m.frames * 1000) / m.ms);
  }
}
const med = (a: number[]) => median([...a].sort((x, y) => x - y));
printTable(
  ['mode', 'lift wall ms', 'max event-loop stall ms', "other sender's fps during lift"],
  rows.map((r) => [r.mode, fmt(med(r.ms), 0), fmt(med(r.stall), 0), fmt(med(r.fps), 1)]),
);
console.log(
  `stall ratio inline / worker: ${fmt(med(rows[0]!.stall) / med(rows[1]!.stall), 1)}x; ` +
    `other sender's fps worker / inline: ${fmt(med(rows[1]!.fps) / Math.max(1e-9, med(rows[0]!.fps)), 1)}x`,
);
await worker.close();
await stage.close();
