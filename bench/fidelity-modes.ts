/**
 * Crop mode against compact mode on the expressions landmarks code poorly (issue 15), in the
 * same run, per portrait fixture. Each driver is the aligned portrait with a plainly synthetic
 * expression (scripts/synthetic-variants.ts: gaze slid 6 px left and right inside the eye
 * openings, the jaw dropped with upper teeth painted in, the right eye closed by sliding lid
 * skin over it); the real tracker (headless Chromium) finds its landmarks.
 *
 *   compact: the driver frame's landmark code (real capture step, the portrait's own landmarks
 *            as the neutral) -> reference reenact -> CPU render at the source view, at a call
 *            tile's 256 px (FLAT_VIEW_SIDE);
 *   crop:    the same render with the driver's 128 px face crop painted on (packages/face
 *            face-crop.ts's frame, render/face-crop-composite.ts). Not passed through VP8 here.
 *
 * Scored against the driver image (its frontalized face: the aligned driver, resized) inside the
 * eye and mouth regions of the neutral landmarks, PSNR and SSIM per region, at the tile's 256 px
 * and at the crop's own 128 px (the "closer to the driver's frontalized crop").
 * Writes a contact sheet (driver | compact | crop per row, 256 px) to bench/out/fidelity-modes.png.
 *
 *   npx tsx bench/fidelity-modes.ts [--threads=N]
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  canonicalLandmarks,
  ExpressionCapture,
  FACE_CROP_SIZE,
  faceCropTransform,
  LEFT_EYE_LOOP,
  OUTER_LIP_LOOP,
  type RgbaImage,
  RIGHT_EYE_LOOP,
  warpToSquare,
} from '@holocall/face';
import { encodePng, writePng } from '@holocall/face/node';
import { liftReference } from '../apps/inference/src/backends/reference/lift';
import { closeEye, openMouth, shiftGaze } from '../packages/face/scripts/synthetic-variants';
import { trackImages } from '../packages/face/src/node/tracker-harness';
import '../apps/inference/src/backends/reference/person-segmenter';
import { ReferenceReenact } from '../apps/inference/src/backends/reference/reenact';
import { CpuRenderStage } from '../apps/inference/src/render/cpu-render-stage';
import {
  compositeFaceCrop,
  cropAnchors,
  placeCrop,
  registerCrop,
} from '../apps/inference/src/render/face-crop-composite';
import { RenderPool } from '../apps/inference/src/render/render-pool';
import { PORTRAITS, portrait } from '../apps/inference/test/support/portrait-fixtures';
import { flag } from './inference/options';
import { fmt, printTable } from './inference/timing';
import { maskedPsnr, maskedSsim, type Rgba, resized } from './support/fidelity-metrics';

const argv = process.argv.slice(2);
const threads = Number(flag(argv, 'threads') ?? availableParallelism());
/** The call tile (apps/web FLAT_VIEW_SIDE), and the aligned frame the landmarks are in. */
const SIZE = 256;
const ALIGNED = 512;
const CROP = FACE_CROP_SIZE;
const SCORE_SIZES = [SIZE, CROP];

type Variant = { name: string; make: (img: RgbaImage, lm: Float64Array, iod: number) => RgbaImage };
const VARIANTS: Variant[] = [
  { name: 'gaze left', make: (img, lm) => shiftGaze(img, lm, -6) },
  { name: 'gaze right', make: (img, lm) => shiftGaze(img, lm, 6) },
  { name: 'teeth', make: (img, lm, iod) => openMouth(img, lm, Math.round(0.3 * iod), { teeth: true }) },
  { name: 'right eye closed', make: (img, lm) => closeEye(img, lm, 'right') },
];

/**
 * A size x size mask of the box around `loop`'s points (aligned-frame landmarks) grown by `grow`
 * (x, y) times its size, and `down` (aligned pixels) further below.
 */
function regionMask(
  lm: ArrayLike<number>,
  loop: readonly number[],
  grow: [number, number],
  size: number,
  down = 0,
): Uint8Array {
  const k = size / ALIGNED;
  const xs = loop.map((i) => (lm[3 * i] as number) * k);
  const ys = loop.map((i) => (lm[3 * i + 1] as number) * k);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const gx = ((x1 - x0) * (grow[0] - 1)) / 2;
  const gy = ((y1 - y0) * (grow[1] - 1)) / 2;
  const mask = new Uint8Array(size * size);
  for (let y = Math.max(0, Math.floor(y0 - gy)); y < Math.min(size, Math.ceil(y1 + gy + down * k)); y++)
    for (let x = Math.max(0, Math.floor(x0 - gx)); x < Math.min(size, Math.ceil(x1 + gx)); x++) mask[y * size + x] = 1;
  return mask;
}

function paste(sheet: RgbaImage, tile: Rgba, x0: number, y0: number): void {
  for (let y = 0; y < tile.height; y++)
    sheet.data.set(tile.data.subarray(y * tile.width * 4, (y + 1) * tile.width * 4), ((y0 + y) * sheet.width + x0) * 4);
}

function opaque(img: Rgba): Rgba {
  const data = Uint8ClampedArray.from(img.data);
  for (let p = 3; p < data.length; p += 4) data[p] = 255;
  return { width: img.width, height: img.height, data };
}

async function main(): Promise<void> {
  const stage = new CpuRenderStage(await RenderPool.start(threads), { detail: true });
  const reenact = new ReferenceReenact();
  console.log(
    `crop mode vs compact mode: ${VARIANTS.length} synthetic expressions per portrait, source view at ${SIZE}, ` +
      `crop ${CROP}px (not through VP8), ${threads} render thread(s)`,
  );
  const sheet: RgbaImage = {
    width: SIZE * 3,
    height: SIZE * (VARIANTS.length + 1) * PORTRAITS.length,
    data: new Uint8ClampedArray(SIZE * 3 * SIZE * (VARIANTS.length + 1) * PORTRAITS.length * 4),
  };
  let sheetRow = 0;
  const summary: string[][] = [];
  for (const name of PORTRAITS) {
    const face = portrait(name);
    const lift = liftReference({ image: face.image, landmarks: face.landmarks });
    const sourceFace = { ...lift.sourceFace, photo: face.rgba };
    const prepared = await stage.prepare(lift.triplane, sourceFace);
    const camera = lift.sourceFace.camera as Float32Array;
    const anchors = cropAnchors(lift.sourceFace.reference.face.world);
    // The receiver's side: the same frame fitted to the enrolled (aligned) photo's landmarks.
    const cropFrame = { size: CROP, sourceSize: ALIGNED, fromSource: faceCropTransform(face.landmarks, CROP) };
    const lm = face.landmarks;
    const iod = Math.hypot(
      (lm[3 * 263] as number) - (lm[3 * 33] as number),
      (lm[3 * 263 + 1] as number) - (lm[3 * 33 + 1] as number),
    );
    const drivers = VARIANTS.map((v) => ({ name: v.name, image: v.make(face.rgba, lm, iod) }));
    // The portrait itself as a driver too: the neutral face, where crop mode must not cost much.
    drivers.unshift({ name: 'neutral', image: face.rgba });
    const tracked = await trackImages(new Map(drivers.map((d) => [d.name, new Uint8Array(encodePng(d.image))])));
    const masks = (size: number) => {
      const right = regionMask(lm, RIGHT_EYE_LOOP, [1.6, 2.6], size);
      const left = regionMask(lm, LEFT_EYE_LOOP, [1.6, 2.6], size);
      return {
        eyes: right.map((v, i) => v | (left[i] as number)),
        mouth: regionMask(lm, OUTER_LIP_LOOP, [1.3, 1.6], size, Math.round(0.3 * iod)),
      };
    };
    const maskAt = new Map(SCORE_SIZES.map((size) => [size, masks(size)]));
    const rows: string[][] = [];
    for (const driver of drivers) {
      const found = tracked.faces[driver.name];
      if (!found) throw new Error(`${name}/${driver.name}: the tracker found no face`);
      const capture = new ExpressionCapture();
      capture.setNeutral(canonicalLandmarks(lm).canonical);
      const { expression } = capture.process(found.landmarks, { width: ALIGNED, height: ALIGNED });
      const residual = await reenact.residual({ source: lift.triplane, sourceFace, driver: expression });
      const out = await stage.render(prepared, residual, {
        cameras: [camera],
        layout: { kind: 'flat' },
        tileWidth: SIZE,
        tileHeight: SIZE,
        quality: 'interactive',
      });
      const compact: Rgba = { width: SIZE, height: SIZE, data: out.pixels.slice() };
      // The sender's crop of its frame, in the face-crop frame of its tracked landmarks.
      const crop = warpToSquare(driver.image, faceCropTransform(found.landmarks, CROP), CROP);
      const withCrop: Rgba = { width: SIZE, height: SIZE, data: out.pixels.slice() };
      const placement = placeCrop(anchors, cropFrame, camera, camera, camera, SIZE, SIZE);
      if (!placement) throw new Error('the crop found no place in the source view');
      registerCrop(withCrop.data, SIZE, crop, placement);
      compositeFaceCrop(withCrop.data, SIZE, crop, placement);
      const gains: string[] = [];
      for (const size of SCORE_SIZES) {
        const ref = resized(driver.image, size);
        const a = resized(compact, size);
        const b = resized(withCrop, size);
        const { eyes, mouth } = maskAt.get(size) as { eyes: Uint8Array; mouth: Uint8Array };
        const cells = [eyes, mouth].flatMap((mask) => [
          `${fmt(maskedPsnr(a, ref, mask))} / ${fmt(maskedPsnr(b, ref, mask))}`,
          `${fmt(maskedSsim(a, ref, mask), 3)} / ${fmt(maskedSsim(b, ref, mask), 3)}`,
        ]);
        rows.push([driver.name, String(size), ...cells]);
        for (const mask of [eyes, mouth]) gains.push(fmt(maskedPsnr(b, ref, mask) - maskedPsnr(a, ref, mask)));
      }
      summary.push([name, driver.name, ...gains]);
      const ref = resized(driver.image, SIZE);
      paste(sheet, ref, 0, sheetRow * SIZE);
      paste(sheet, opaque(compact), SIZE, sheetRow * SIZE);
      paste(sheet, opaque(withCrop), 2 * SIZE, sheetRow * SIZE);
      sheetRow++;
    }
    console.log(`\n${name}: against the driver image, compact / crop`);
    printTable(['driver', 'px', 'eyes PSNR dB', 'eyes SSIM', 'mouth PSNR dB', 'mouth SSIM'], rows);
  }
  console.log('\ncrop minus compact, PSNR dB');
  printTable(['portrait', 'driver', 'eyes at 256', 'mouth at 256', 'eyes at 128', 'mouth at 128'], summary);
  mkdirSync('bench/out', { recursive: true });
  writePng('bench/out/fidelity-modes.png', sheet);
  console.log('contact sheet: bench/out/fidelity-modes.png (driver | compact | crop)');
  await stage.close();
}

await main();
