/**
 * Contact sheet of the reference (classical) avatar backend on the fixture photo, rendered by the
 * inference node's own CPU render stage:
 *
 *   row 1: the aligned source photo | frontal render | yaw -30° | -15° | +15° | +30°
 *   row 2: mouth open | eyes closed | brows up | wide smile | mouth open at yaw +20° |
 *          a second (synthetic) source driven by the real tracker's jaw-drop code
 *
 *   npx tsx scripts/contact-sheet.ts [out.png]      (default bench/out/contact-sheet.png)
 *
 * With --portraits, one row per portrait fixture (apps/inference/test/support/portrait-fixtures.ts)
 * instead: the aligned photo | its person matte | yaw -30° | frontal | yaw +30°
 *
 *   npx tsx scripts/contact-sheet.ts --portraits [out.png]   (default bench/out/portraits-sheet.png)
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRgbaImage, type RgbaImage } from '@holocall/face';
import { writePng } from '@holocall/face/node';
import { liftReference } from '../apps/inference/src/backends/reference/lift';
import { preparePersonSegmenter } from '../apps/inference/src/backends/reference/person-segmenter';
import { orbitDegrees, PreviewRenderer } from '../apps/inference/src/backends/reference/preview';
import { ReferenceReenact } from '../apps/inference/src/backends/reference/reenact';
import { PORTRAITS, portrait } from '../apps/inference/test/support/portrait-fixtures';
import {
  alignedFixture,
  BROWS_UP,
  eyesClosedFor,
  MOUTH_OPEN,
  otherPerson,
  SMILE_WIDE,
  trackedMouthOpenCode,
} from '../apps/inference/test/support/reference-fixtures';

const TILE = 256;
const COLS = 6;
const ROWS = 2;
/** Tiles are composited over this grey so the head's outline (alpha) shows. */
const BACKDROP = [40, 44, 52];

function place(sheet: RgbaImage, tile: RgbaImage, col: number, row: number): void {
  const sx = tile.width / TILE;
  for (let y = 0; y < TILE; y++) {
    for (let x = 0; x < TILE; x++) {
      const s = (Math.floor(y * sx) * tile.width + Math.floor(x * sx)) * 4;
      const d = ((row * TILE + y) * sheet.width + col * TILE + x) * 4;
      const a = tile.data[s + 3]! / 255;
      // Renders are premultiplied over black: add the backdrop behind the uncovered part.
      for (let c = 0; c < 3; c++) sheet.data[d + c] = tile.data[s + c]! + (1 - a) * BACKDROP[c]!;
      sheet.data[d + 3] = 255;
    }
  }
}

/** The portraits sheet (--portraits): photo, matte and three yaws per portrait fixture. */
async function portraitsSheet(out: string): Promise<void> {
  const renderer = await PreviewRenderer.create(2);
  const sheet = createRgbaImage(5 * TILE, PORTRAITS.length * TILE);
  for (const [row, name] of PORTRAITS.entries()) {
    const face = portrait(name);
    const t = performance.now();
    const lift = liftReference({ image: face.image, landmarks: face.landmarks });
    const ms = performance.now() - t;
    const photo = { ...face.rgba, data: Uint8ClampedArray.from(face.rgba.data) };
    for (let p = 3; p < photo.data.length; p += 4) photo.data[p] = 255;
    place(sheet, photo, 0, row);
    // The matte as premultiplied photo (the backdrop shows where it is background).
    const { matte } = lift.sourceFace.reference;
    const matted = { ...face.rgba, data: Uint8ClampedArray.from(face.rgba.data) };
    for (let p = 0; p < matte.alpha.length; p++) {
      for (let c = 0; c < 3; c++) matted.data[4 * p + c] = matted.data[4 * p + c]! * matte.alpha[p]!;
      matted.data[4 * p + 3] = matte.alpha[p]! * 255;
    }
    place(sheet, matted, 1, row);
    // With the photo, as a call renders it (the lift job attaches it): photo where it saw the surface.
    const prepared = await renderer.prepare(lift.triplane, { ...lift.sourceFace, photo: face.rgba });
    for (const [k, yaw] of [-30, 0, 30].entries()) {
      place(sheet, await renderer.render(prepared, null, orbitDegrees(yaw), TILE), k + 2, row);
    }
    console.log(`${name}: lift ${ms.toFixed(0)} ms, matte ${JSON.stringify(matte.stats)}`);
  }
  await renderer.close();
  mkdirSync(dirname(out), { recursive: true });
  writePng(out, sheet);
  console.log(`rows: ${PORTRAITS.join(', ')}; columns: photo | matte | yaw -30 | frontal | yaw +30`);
  console.log(`wrote ${out}`);
}

async function main(): Promise<void> {
  await preparePersonSegmenter(); // the matte's model on tfjs's wasm backend (else the slow CPU one)
  if (process.argv[2] === '--portraits') {
    await portraitsSheet(resolve(process.argv[3] ?? 'bench/out/portraits-sheet.png'));
    return;
  }
  const out = resolve(process.argv[2] ?? 'bench/out/contact-sheet.png');
  const started = performance.now();
  const a = alignedFixture();
  const b = otherPerson(a);
  const t0 = performance.now();
  const liftA = liftReference({ image: a.image, landmarks: a.landmarks });
  const liftMs = performance.now() - t0;
  const liftB = liftReference({ image: b.image, landmarks: b.landmarks });
  const reenact = new ReferenceReenact();
  const renderer = await PreviewRenderer.create(2);
  const prepA = await renderer.prepare(liftA.triplane);
  const prepB = await renderer.prepare(liftB.triplane);
  const sheet = createRgbaImage(COLS * TILE, ROWS * TILE);
  const photo = { ...a.rgba, data: Uint8ClampedArray.from(a.rgba.data) };
  for (let p = 3; p < photo.data.length; p += 4) photo.data[p] = 255;
  place(sheet, photo, 0, 0);

  const legend: string[] = ['row 1: source photo (aligned) | frontal | yaw -30 | yaw -15 | yaw +15 | yaw +30'];
  const yaws = [0, -30, -15, 15, 30];
  for (const [k, yaw] of yaws.entries()) {
    place(sheet, await renderer.render(prepA, null, orbitDegrees(yaw), TILE), k + 1, 0);
  }
  const codes: [string, Float32Array, number][] = [
    ['mouth open', MOUTH_OPEN, 0],
    ['eyes closed', eyesClosedFor(a.landmarks), 0],
    ['brows up', BROWS_UP, 0],
    ['wide smile', SMILE_WIDE, 0],
    ['mouth open, yaw +20', MOUTH_OPEN, 20],
  ];
  const reenactMs: number[] = [];
  for (const [k, [, code, yaw]] of codes.entries()) {
    const t = performance.now();
    const res = await reenact.residual({
      source: liftA.triplane,
      sourceFace: liftA.sourceFace,
      driver: { kind: 'landmarks', code },
    });
    reenactMs.push(performance.now() - t);
    place(sheet, await renderer.render(prepA, res, orbitDegrees(yaw), TILE), k, 1);
  }
  const tracked = trackedMouthOpenCode();
  const resB = await reenact.residual({
    source: liftB.triplane,
    sourceFace: liftB.sourceFace,
    driver: { kind: 'landmarks', code: tracked },
  });
  place(sheet, await renderer.render(prepB, resB, orbitDegrees(0), TILE), 5, 1);
  legend.push(`row 2: ${codes.map((c) => c[0]).join(' | ')} | other source + tracked jaw-drop code`);
  await renderer.close();

  mkdirSync(dirname(out), { recursive: true });
  writePng(out, sheet);
  console.log(legend.join('\n'));
  console.log(
    `lift ${liftMs.toFixed(0)} ms; reenact per code ${reenactMs.map((m) => m.toFixed(1)).join(', ')} ms; total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
