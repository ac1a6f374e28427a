/**
 * Fidelity of what the user sees: the CPU render stage's old path (the ray grid bilinearly
 * upsampled) against the new detail path (detail.ts: photo texture at output resolution), in
 * the same run, at the level calls use ('interactive'), for each portrait fixture:
 *   - frontal PSNR / SSIM against the aligned photo inside the (eroded) head matte, at 410 and 512;
 *   - sharpness: Laplacian energy inside the matte, render / photo (1 = as sharp as the photo),
 *     at 0° and ±20° (the turned views against the photo's own energy: a sharpness figure only);
 *   - identity: cosine of human's face-description embeddings (faceres), photo vs render at 512
 *     at the source view and ±20° (human.match.similarity in brackets), with the photo against a
 *     slightly rescaled copy of itself (512 -> 480 -> 512) as the ceiling;
 *   - ms per 512 flat view and per 8x6 quilt (420x560 tiles): old, new (the quilt's detail at half
 *     resolution, quality.ts detailScale) and new at full resolution (fullDetail), with the
 *     Laplacian energy of the middle quilt view relative to the full-resolution one.
 * Writes a contact sheet (old | new at -20°, 0°, +20°, and one quilt tile each) to
 * bench/out/fidelity-sheet.png.
 *
 *   npx tsx bench/fidelity.ts [--threads=N] [--no-identity]
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { RgbaImage } from '@holocall/face';
import { writePng } from '@holocall/face/node';
import { liftReference } from '../apps/inference/src/backends/reference/lift';
import '../apps/inference/src/backends/reference/person-segmenter';
import { orbitDegrees } from '../apps/inference/src/backends/reference/preview';
import { CpuRenderStage } from '../apps/inference/src/render/cpu-render-stage';
import { RenderPool } from '../apps/inference/src/render/render-pool';
import { camerasForView } from '../apps/inference/src/render/view-cameras';
import type { RenderRequest } from '../apps/inference/src/stages/contract';
import { alignedFixture, type FixtureFace } from '../apps/inference/test/support/reference-fixtures';
import { flag, hasFlag } from './inference/options';
import { fmt, median, printTable } from './inference/timing';
import { laplacianEnergy, maskedPsnr, maskedSsim, matteMask, type Rgba, resized } from './support/fidelity-metrics';
import { cosine, IdentityScorer } from './support/identity';

const argv = process.argv.slice(2);
const threads = Number(flag(argv, 'threads') ?? availableParallelism());
const withIdentity = !hasFlag(argv, 'no-identity');
const IDENTITY_YAWS = [-20, null, 20] as const;
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
  const fullStage = new CpuRenderStage(await RenderPool.start(threads), { detail: true, fullDetail: true });
  const identity = withIdentity ? await IdentityScorer.start() : null;
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
    const pf = await fullStage.prepare(lift.triplane, sourceFace);
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
    printTable(
      ['size', 'PSNR dB', 'gain dB', 'SSIM', 'sharpness -20°', 'sharpness source view', 'sharpness +20°'],
      rows,
    );
    if (identity) {
      const ref = await identity.embedding(face.rgba);
      const copy = await identity.embedding(resized(resized(face.rgba, 480), 512));
      if (!ref || !copy) throw new Error(`${name}: human finds no face in the photo`);
      const cell = async (img: Rgba) => {
        const e = await identity.embedding(img);
        return e ? `${fmt(cosine(ref, e), 3)} (${fmt(identity.similarity(ref, e), 2)})` : 'no face';
      };
      const idRows: string[][] = [];
      for (const [label, stage, prep] of [
        ['old', oldStage, po],
        ['new', newStage, pn],
      ] as const) {
        const row: string[] = [label];
        for (const yaw of IDENTITY_YAWS) {
          const r = await stage.render(prep, null, flat(yaw, 512));
          row.push(await cell({ width: 512, height: 512, data: r.pixels.slice() }));
        }
        idRows.push(row);
      }
      console.log(
        `identity: cosine of human faceres embeddings vs the photo (human.match.similarity); ceiling, the photo rescaled 512->480->512: ${fmt(cosine(ref, copy), 3)} (${fmt(identity.similarity(ref, copy), 2)})`,
      );
      printTable(['render', 'yaw -20°', 'source view', 'yaw +20°'], idRows);
    }
    const flatOld = await timeRenders(oldStage, po, flat(15, 512), 10);
    const flatNew = await timeRenders(newStage, pn, flat(15, 512), 10);
    const quiltReq = {
      ...camerasForView(QUILT, { rotation: [0, 0, 0], translation: [0, 0, 0.6] }),
      quality: 'interactive' as const,
    };
    // Interleaved so that a change in the machine's load falls on all three alike.
    const qt: [number[], number[], number[]] = [[], [], []];
    for (let rep = 0; rep < 3; rep++) {
      qt[0].push(await timeRenders(oldStage, po, quiltReq, 1));
      qt[1].push(await timeRenders(newStage, pn, quiltReq, 1));
      qt[2].push(await timeRenders(fullStage, pf, quiltReq, 1));
    }
    const [quiltOld, quiltNew, quiltFull] = qt.map((t) => median(t.sort((a, b) => a - b))) as [number, number, number];
    printTable(
      ['render', 'old ms', 'new ms', 'new / old', 'new fps or quilts/s'],
      [
        ['flat 512x512 (64x64 rays)', fmt(flatOld), fmt(flatNew), fmt(flatNew / flatOld, 2), fmt(1000 / flatNew, 1)],
        [
          'quilt 8x6 of 420x560 (35x46 rays, detail at 210x280)',
          fmt(quiltOld),
          fmt(quiltNew),
          fmt(quiltNew / quiltOld, 2),
          fmt(1000 / quiltNew, 1),
        ],
        [
          'the same quilt, detail at 420x560 (fullDetail)',
          fmt(quiltOld),
          fmt(quiltFull),
          fmt(quiltFull / quiltOld, 2),
          fmt(1000 / quiltFull, 1),
        ],
      ],
    );
    // Sharpness of the middle quilt view: Laplacian energy over its solid pixels, relative to full detail.
    const tiles: RgbaImage[] = [];
    for (const [stage, prep] of [
      [oldStage, po],
      [newStage, pn],
      [fullStage, pf],
    ] as const)
      tiles.push(quiltTile((await stage.render(prep, null, quiltReq)).pixels.slice(), 24));
    const full = tiles[2] as RgbaImage;
    const solid = new Uint8Array(full.width * full.height);
    for (let p = 0; p < solid.length; p++) solid[p] = (full.data[4 * p + 3] as number) === 255 ? 1 : 0;
    const ef = laplacianEnergy(full, solid);
    console.log(
      `quilt view 24 sharpness relative to full-resolution detail: old ${fmt(laplacianEnergy(tiles[0] as RgbaImage, solid) / ef, 2)}, half-resolution detail ${fmt(laplacianEnergy(tiles[1] as RgbaImage, solid) / ef, 2)}`,
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
    fullStage.release(pf);
  }
  mkdirSync('bench/out', { recursive: true });
  writePng('bench/out/fidelity-sheet.png', sheet);
  console.log(
    '\ncontact sheet: bench/out/fidelity-sheet.png (per face: old row, new row; -20°, 0°, +20°, quilt view 24 at 1:1)',
  );
  await oldStage.close();
  await newStage.close();
  await fullStage.close();
}

await main();
