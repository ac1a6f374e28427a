/**
 * FFHQ-style face alignment (Karras et al., the FFHQ dataset script; EG3D and VOODOO 3D crop
 * the same way): from the eye centres and the mouth corners, an oriented square
 *
 *   eye_to_eye   = eye_R' - eye_L'          (image-left eye to image-right eye)
 *   eye_to_mouth = mouth_avg - eye_avg
 *   x = eye_to_eye - rot90(eye_to_mouth), normalised, times max(2·|eye_to_eye|, 1.8·|eye_to_mouth|)
 *   y = rot90(x);  c = eye_avg + 0.1·eye_to_mouth;  quad = c ∓ x ∓ y
 *
 * mapped onto the size x size output. So the eye line is level, the eyes sit symmetrically about
 * the centre column (at size/2 ∓ size/8 when the eye term dominates) just above the centre row,
 * and the mouth below it. The eye centre is the mean of the 16-point eye opening (dlib's 6-point
 * mean in the original), the mouth corners are landmarks 61 and 291.
 */
import { HolocallError } from '@holocall/protocol';
import { LEFT_EYE_LOOP, LM, point, RIGHT_EYE_LOOP } from './landmarks';
import {
  applySimilarity,
  type Similarity2D,
  similarityFromPairs,
  similarityScale,
  transformLandmarks2D,
} from './similarity';
import { createRgbaImage, type RgbaImage, warpSimilarityRGBA } from './warp';

/** Side of the aligned crop the lift stage takes (EG3D / VOODOO 3D: 512). */
export const ALIGNED_SIZE = 512;

export interface FaceAlignment {
  /** Source pixel -> crop pixel. */
  toCrop: Similarity2D;
  size: number;
  /** The oriented square in source pixels: top-left, bottom-left, bottom-right, top-right. */
  quad: [number, number][];
  /** Side of the square in source pixels (FFHQ's qsize). */
  quadSize: number;
}

function loopMean(l: ArrayLike<number>, loop: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of loop) {
    x += l[3 * i] as number;
    y += l[3 * i + 1] as number;
  }
  return [x / loop.length, y / loop.length];
}

/** The FFHQ alignment of tracker landmarks (source pixels) to a size x size crop. */
export function ffhqAlignment(landmarks: ArrayLike<number>, size = ALIGNED_SIZE): FaceAlignment {
  if (!Number.isInteger(size) || size < 16)
    throw HolocallError.badRequest('aligned size must be an integer >= 16', { size });
  // Image-left eye is the person's right eye.
  const eyeL = loopMean(landmarks, RIGHT_EYE_LOOP);
  const eyeR = loopMean(landmarks, LEFT_EYE_LOOP);
  const mL = point(landmarks, LM.mouthCornerRight);
  const mR = point(landmarks, LM.mouthCornerLeft);
  const eyeAvg = [(eyeL[0] + eyeR[0]) / 2, (eyeL[1] + eyeR[1]) / 2];
  const e2e = [eyeR[0] - eyeL[0], eyeR[1] - eyeL[1]];
  const mouthAvg = [(mL[0] + mR[0]) / 2, (mL[1] + mR[1]) / 2];
  const e2m = [mouthAvg[0]! - eyeAvg[0]!, mouthAvg[1]! - eyeAvg[1]!];
  // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1]
  let x = [e2e[0]! + e2m[1]!, e2e[1]! - e2m[0]!];
  const xn = Math.hypot(x[0]!, x[1]!);
  if (!(xn > 1e-6)) throw HolocallError.badRequest('face alignment: degenerate eye/mouth landmarks');
  const len = Math.max(Math.hypot(e2e[0]!, e2e[1]!) * 2, Math.hypot(e2m[0]!, e2m[1]!) * 1.8);
  x = [(x[0]! / xn) * len, (x[1]! / xn) * len];
  const y = [-x[1]!, x[0]!];
  const c = [eyeAvg[0]! + 0.1 * e2m[0]!, eyeAvg[1]! + 0.1 * e2m[1]!];
  const quad: [number, number][] = [
    [c[0]! - x[0]! - y[0]!, c[1]! - x[1]! - y[1]!],
    [c[0]! - x[0]! + y[0]!, c[1]! - x[1]! + y[1]!],
    [c[0]! + x[0]! + y[0]!, c[1]! + x[1]! + y[1]!],
    [c[0]! + x[0]! - y[0]!, c[1]! + x[1]! - y[1]!],
  ];
  // Top-left corner -> (0, 0), top-right -> (size, 0).
  const toCrop = similarityFromPairs(quad[0]!, quad[3]!, [0, 0], [size, 0]);
  return { toCrop, size, quad, quadSize: 2 * Math.hypot(x[0]!, x[1]!) };
}

/** Landmarks (source pixels, tracker z) mapped into the crop (z scaled along with x and y). */
export function alignLandmarks(landmarks: ArrayLike<number>, alignment: FaceAlignment): Float64Array {
  return transformLandmarks2D(landmarks, alignment.toCrop);
}

/** Box-filter shrink by an integer factor (FFHQ shrinks before warping to avoid aliasing). */
export function shrinkImage(img: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1) throw HolocallError.badRequest('shrink factor must be an integer >= 1');
  if (factor === 1) return img;
  const w = Math.max(1, Math.floor(img.width / factor));
  const h = Math.max(1, Math.floor(img.height / factor));
  const out = createRgbaImage(w, h);
  const n = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = (y * factor + dy) * img.width;
          for (let dx = 0; dx < factor; dx++) s += img.data[(row + x * factor + dx) * 4 + c]!;
        }
        out.data[(y * w + x) * 4 + c] = s / n;
      }
    }
  }
  return out;
}

export interface AlignedFace {
  image: RgbaImage;
  alignment: FaceAlignment;
  /** Landmarks in crop pixels. */
  landmarks: Float64Array;
}

/** Crops and aligns a photo (warpToSquare with the FFHQ alignment). */
export function alignFace(img: RgbaImage, landmarks: ArrayLike<number>, size = ALIGNED_SIZE): AlignedFace {
  const alignment = ffhqAlignment(landmarks, size);
  const image = warpToSquare(img, alignment.toCrop, size);
  return { image, alignment, landmarks: alignLandmarks(landmarks, alignment) };
}

/**
 * The size x size image a similarity (source pixel -> output pixel) maps the photo to. Large
 * photos are first shrunk by an integer factor so the bilinear warp never minifies by more than
 * 2x; outside the photo the edge pixels extend.
 */
export function warpToSquare(img: RgbaImage, toOut: Similarity2D, size: number): RgbaImage {
  const scale = similarityScale(toOut);
  const shrink = Math.max(1, Math.floor(1 / (2 * scale)));
  if (shrink === 1) return warpSimilarityRGBA(img, toOut, size, size);
  // A shrunk pixel k covers source pixels [k·f, (k+1)·f): coordinates scale by 1/f.
  const scaled = { a: toOut.a * shrink, b: toOut.b * shrink, tx: toOut.tx, ty: toOut.ty };
  return warpSimilarityRGBA(shrinkImage(img, shrink), scaled, size, size);
}

/** Where the alignment puts a source point (convenience for tests and overlays). */
export function toCropPoint(alignment: FaceAlignment, x: number, y: number): [number, number] {
  return applySimilarity(alignment.toCrop, x, y);
}
