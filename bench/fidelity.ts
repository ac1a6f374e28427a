/**
 * Fidelity of what the user sees: the CPU render stage's old path (the ray grid bilinearly
 * upsampled) against the new detail path (detail.ts: photo texture at output resolution), in
 * the same run, at the level calls use ('interactive'), for each portrait fixture:
 *   - frontal PSNR / SSIM against the aligned photo inside the (eroded) head matte, at 410 and 512;
 *   - sharpness: Laplacian energy inside the matte, render / photo (1 = as sharp as the photo),
 *     at 0° and ±20° (the turned views against the photo's own energy: a sharpness figure only);
 *   - ms per 512 flat view and per 8x6 quilt (420x560 tiles), old and new.
 * Writes a contact sheet (old | new at -20°, 0°, +20°, and one quilt tile each) to
 * bench/out/fidelity-sheet.png.
 *
 *   npx tsx bench/fidelity.ts [--threads=N]
 *
 * Not measured here yet: identity similarity (human's faceres): its Node build needs
 * @tensorflow/tfjs-converter, which the repository does not install.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { RgbaImage } from '@holocall/face';
import { writePng } from '@holocall/face/node';
import { liftReference } from '../apps/inference/src/backends/reference/lift';
import { orbitDegrees } from '../apps/inference/src/backends/reference/preview';
import { CpuRenderStage } from '../apps/inference/src/render/cpu-render-stage';
import { RenderPool } from '../apps/inference/src/render/render-pool';
import { camerasForView } from '../apps/inference/src/render/view-cameras';
import type { RenderRequest } from '../apps/inference/src/stages/contract';
import { alignedFixture, type FixtureFace } from '../apps/inference/test/support/reference-fixtures';
import { flag } from './inference/options';
import { fmt, median, printTable } from './inference/timing';
import { laplacianEnergy, maskedPsnr, maskedSsim, matteMask, resized } from './support/fidelity-metrics';

const argv = process.argv.slice(2);
const threads = Number(flag(argv, 'threads') ?? availableParallelism());
const SIZES = [410, 512];
const YAWS = [-20, 0, 20];
const QUILT = {
  kind: 'quilt' as const,
  cols: 8,
  rows: 6,
  tileWidth: 420,
  tileHeight: 560,
  viewConeDeg: 40,
  followPose: false,
};

async function portraits(): Promise<{ name: string; face: FixtureFace }[]> {
  // H3's portrait list (test/fixtures/faces-extra) when it is there; the fixture photo always.
  try {
    const mod = await import('../apps/inference/test/support/portrait-fixtures');
    return mod.PORTRAITS.map((name) => ({ name, face: mod.portrait(name) }));
  } catch {
    return [{ name: 'astronaut', face: alignedFixture() }];
  }
}

/** yaw null: the source camera itself (the photo's own view, where render and photo must agree). */
let sourceCamera: Float32Array = orbitDegrees(0);
const flat = (yaw: number | null, size: number): RenderRequest => ({
  cameras: [yaw === null ? sourceCamera : orbitDegrees(yaw)],
  layout: { kind: 'flat' },
  tileWidth: size,
  tileHeight: size,
  quality: 'interactive',
});

function overGrey(img: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(img.data.length);
  for (let p = 0; p < img.width * img.height; p++) {
    const a = (img.data[4 * p + 3] as number) / 255;
    for (let c = 0; c < 3; c++) data[4 * p + c] = (img.data[4 * p + c] as number) + (1 - a) * [40, 44, 52][c]!;
    data[4 * p + 3] = 255;
  }
  return { width: img.width, height: img.height, data };
}

function paste(sheet: RgbaImage, tile: RgbaImage, x0: number, y0: number): void {
  for (let y = 0; y < tile.height; y++) {
    sheet.data.set(tile.data.subarray(y * tile.width * 4, (y + 1) * tile.width * 4), ((y0 + y) * sheet.width + x0) * 4);
  }
}

function quiltTile(pixels: Uint8Array, view: number): RgbaImage {
  const { cols, tileWidth: w, tileHeight: h } = QUILT;
  const col = view % cols;
  const row = Math.floor(view / cols);
  const stride = cols * w;
  const data = new Uint8ClampedArray(w * h * 4);
  // Quilt rows count from the bottom (view 0 bottom-left): image row of tile row r.
  const top = (QUILT.rows - 1 - row) * h;
  for (let y = 0; y < h; y++)
    data.set(pixels.subarray(((top + y) * stride + col * w) * 4, ((top + y) * stride + (col + 1) * w) * 4), y * w * 4);
  return { width: w, height: h, data };
}

async function timeRenders(
  stage: CpuRenderStage,
  prepared: Awaited<ReturnType<CpuRenderStage['prepare']>>,
  req: RenderRequest,
  reps: number,
): Promise<number> {
  await stage.render(prepared, null, req);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) t.push((await stage.render(prepared, null, req)).ms);
  return median(t.sort((a, b) => a - b));
}

async function main(): Promise<void> {
  const oldStage = new CpuRenderStage(await RenderPool.start(threads), { detail: false });
  const newStage = new CpuRenderStage(await RenderPool.start(threads), { detail: true });
  const faces = await portraits();
  const sheetTile = 256;
  const sheet: RgbaImage = {
    width: sheetTile * 4,
    height: sheetTile * 2 * faces.length,
    data: new Uint8ClampedArray(sheetTile * 4 * sheetTile * 2 * faces.length * 4),
  };
  console.log(
    `fidelity: old = ray grid bilinearly upsampled, new = detail at output resolution; interactive level; ${threads} render thread(s)`,
  );
  for (const [fi, { name, face }] of faces.entries()) {
    const lift = liftReference({ image: face.image, landmarks: face.landmarks });
    const sourceFace = { ...lift.sourceFace, photo: face.rgba };
    const po = await oldStage.prepare(lift.triplane, sourceFace);
    const pn = await newStage.prepare(lift.triplane, sourceFace);
    const matte = lift.sourceFace.reference.matte;
    sourceCamera = lift.sourceFace.camera as Float32Array;
    const rows: (string | number)[][] = [];
    for (const size of SIZES) {
      const photo = resized(face.rgba, size);
      const mask = matteMask(matte.alpha, matte.width, matte.height, size);
      const photoEnergy = laplacianEnergy(photo, mask);
      const o = await oldStage.render(po, null, flat(null, size));
      const oi = { width: size, height: size, data: o.pixels.slice() };
      const n = await newStage.render(pn, null, flat(null, size));
      const ni = { width: size, height: size, data: n.pixels.slice() };
      const po0 = maskedPsnr(oi, photo, mask);
      const pn0 = maskedPsnr(ni, photo, mask);
      const so = maskedSsim(oi, photo, mask);
      const sn = maskedSsim(ni, photo, mask);
      const sharp: string[] = [];
      for (const yaw of [-20, null, 20]) {
        const ro = await oldStage.render(po, null, flat(yaw, size));
        const eo = laplacianEnergy({ width: size, height: size, data: ro.pixels }, mask) / photoEnergy;
        const rn = await newStage.render(pn, null, flat(yaw, size));
        const en = laplacianEnergy({ width: size, height: size, data: rn.pixels }, mask) / photoEnergy;
        sharp.push(`${fmt(eo, 2)} / ${fmt(en, 2)}`);
      }
      rows.push([size, `${fmt(po0)} / ${fmt(pn0)}`, fmt(pn0 - po0), `${fmt(so, 3)} / ${fmt(sn, 3)}`, ...sharp]);
    }
    console.log(`\n${name}: frontal vs the aligned photo inside the matte (old / new)`);
    printTable(['size', 'PSNR dB', 'gain dB', 'SSIM', 'sharpness -20°', 'sharpness source view', 'sharpness +20°'], rows);
    const flatOld = await timeRenders(oldStage, po, flat(15, 512), 10);
    const flatNew = await timeRenders(newStage, pn, flat(15, 512), 10);
    const quiltReq = {
      ...camerasForView(QUILT, { rotation: [0, 0, 0], translation: [0, 0, 0.6] }),
      quality: 'interactive' as const,
    };
    const quiltOld = await timeRenders(oldStage, po, quiltReq, 3);
    const quiltNew = await timeRenders(newStage, pn, quiltReq, 3);
    printTable(
      ['render', 'old ms', 'new ms', 'new / old', 'new fps or quilts/s'],
      [
        ['flat 512x512 (64x64 rays)', fmt(flatOld), fmt(flatNew), fmt(flatNew / flatOld, 2), fmt(1000 / flatNew, 1)],
        [
          'quilt 8x6 of 420x560 (35x46 rays)',
          fmt(quiltOld),
          fmt(quiltNew),
          fmt(quiltNew / quiltOld, 2),
          fmt(1000 / quiltNew, 1),
        ],
      ],
    );
    // Contact sheet rows: old (top) and new (bottom): -20°, 0°, +20°, quilt view 24.
    for (const [k, [stage, prep]] of (
      [
        [oldStage, po],
        [newStage, pn],
      ] as const
    ).entries()) {
      const y0 = (2 * fi + k) * sheetTile;
      for (const [j, yaw] of YAWS.entries()) {
        const r = await stage.render(prep, null, flat(yaw, sheetTile * 2));
        paste(
          sheet,
          overGrey(resized({ width: sheetTile * 2, height: sheetTile * 2, data: r.pixels.slice() }, sheetTile)),
          j * sheetTile,
          y0,
        );
      }
      const q = await stage.render(prep, null, quiltReq);
      const tile = overGrey(quiltTile(q.pixels, 24));
      const crop = { width: sheetTile, height: sheetTile, data: new Uint8ClampedArray(sheetTile * sheetTile * 4) };
      for (let y = 0; y < sheetTile; y++)
        crop.data.set(
          tile.data.subarray(((y + 152) * tile.width + 82) * 4, ((y + 152) * tile.width + 82 + sheetTile) * 4),
          y * sheetTile * 4,
        );
      paste(sheet, crop, 3 * sheetTile, y0);
    }
    oldStage.release(po);
    newStage.release(pn);
  }
  mkdirSync('bench/out', { recursive: true });
  writePng('bench/out/fidelity-sheet.png', sheet);
  console.log(
    '\ncontact sheet: bench/out/fidelity-sheet.png (per face: old row, new row; -20°, 0°, +20°, quilt view 24 at 1:1)',
  );
  await oldStage.close();
  await newStage.close();
}

await main();
