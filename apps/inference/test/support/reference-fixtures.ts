/**
 * Shared by the reference backend's tests and the contact sheet: the fixture face aligned,
 * a second synthetic "person" made from it, image statistics. Node only.
 */
import {
  alignFace,
  canonicalLandmarks,
  codeIndex,
  EXPRESSION_CODE_LENGTH,
  expressionCode,
  interocularDistance,
  LM,
  point,
  quantizeCode,
  type RgbaImage,
  remapRGBA,
} from '@holocall/face';
import { fixtureLandmarks, loadFixturePhoto } from '@holocall/face/node';
import { alignedImageFromRgba } from '../../src/backends/reference/image';
import type { AlignedImage } from '../../src/stages/contract';

export interface FixtureFace {
  image: AlignedImage;
  rgba: RgbaImage;
  /** Landmarks in crop pixels. */
  landmarks: Float64Array;
}

/** The fixture photo, FFHQ-aligned to 512, with the tracker's landmarks carried along. */
export function alignedFixture(): FixtureFace {
  const aligned = alignFace(loadFixturePhoto(), fixtureLandmarks('astronaut'));
  return { image: alignedImageFromRgba(aligned.image), rgba: aligned.image, landmarks: aligned.landmarks };
}

/**
 * A second, clearly different-looking source made from the fixture: the face 14% wider and
 * its colours changed (darker, cooler skin; near-black hair), with landmarks moved the same way.
 * Not a real person; enough to check that expressions do not carry the driver's look.
 */
export function otherPerson(base: FixtureFace): FixtureFace {
  const w = base.rgba.width;
  const cx = w / 2;
  const stretch = 1.14;
  const warped = remapRGBA(base.rgba, w, base.rgba.height, (x, y, xy) => {
    xy[0] = cx + (x - cx) / stretch;
    xy[1] = y;
  });
  for (let p = 0; p < w * w; p++) {
    const r = warped.data[4 * p]!;
    const g = warped.data[4 * p + 1]!;
    const b = warped.data[4 * p + 2]!;
    const lum = 0.3 * r + 0.59 * g + 0.11 * b;
    // Darker, cooler; the darkest tones (hair, brows) pushed toward black.
    const k = lum < 110 ? 0.35 : 0.62;
    warped.data[4 * p] = r * k * 0.85;
    warped.data[4 * p + 1] = g * k * 0.95;
    warped.data[4 * p + 2] = Math.min(255, b * k * 1.25 + 12);
  }
  const landmarks = Float64Array.from(base.landmarks);
  for (let i = 0; i < landmarks.length; i += 3) landmarks[i] = cx + (landmarks[i]! - cx) * stretch;
  return { image: alignedImageFromRgba(warped), rgba: warped, landmarks };
}

/** A code with the named entries set (others zero). */
export function codeOf(entries: Record<string, number>): Float32Array {
  const code = new Float32Array(EXPRESSION_CODE_LENGTH);
  for (const [name, v] of Object.entries(entries)) code[codeIndex(name)] = v;
  return code;
}

/** A wide-open jaw (IOD units). */
export const MOUTH_OPEN = codeOf({
  'lowerLipInner.y': -0.34,
  'lowerLipOuter.y': -0.32,
  'lowerLipInnerRight.y': -0.3,
  'lowerLipInnerLeft.y': -0.3,
  'chin.y': -0.3,
});
export const BROWS_UP = codeOf({
  'rightBrowOuter.y': 0.12,
  'rightBrowMid.y': 0.14,
  'rightBrowInner.y': 0.12,
  'leftBrowOuter.y': 0.12,
  'leftBrowMid.y': 0.14,
  'leftBrowInner.y': 0.12,
});
export const SMILE_WIDE = codeOf({
  'mouthCornerRight.x': -0.08,
  'mouthCornerRight.y': 0.06,
  'mouthCornerLeft.x': 0.08,
  'mouthCornerLeft.y': 0.06,
});

/** Eyes shut for this face: each upper lid travels its own opening (from its canonical landmarks). */
export function eyesClosedFor(landmarks: ArrayLike<number>): Float32Array {
  const { canonical } = canonicalLandmarks(landmarks);
  const iod = interocularDistance(canonical);
  const gap = (up: number, low: number) => (point(canonical, up)[1] - point(canonical, low)[1]) / iod;
  return codeOf({
    'rightUpperLid.y': -0.95 * gap(LM.rightEyeUpperLid, LM.rightEyeLowerLid),
    'leftUpperLid.y': -0.95 * gap(LM.leftEyeUpperLid, LM.leftEyeLowerLid),
  });
}

/** The real tracker's synthetic jaw-drop photo, as a driver code against the photo's own neutral. */
export function trackedMouthOpenCode(): Float32Array {
  const neutral = canonicalLandmarks(fixtureLandmarks('astronaut')).canonical;
  const open = canonicalLandmarks(fixtureLandmarks('mouth-open')).canonical;
  return quantizeCode(expressionCode(open, neutral));
}

/** A pixel box [x0, y0, x1, y1) in render pixels around landmarks given in crop pixels. */
export function landmarkBox(
  landmarks: ArrayLike<number>,
  indices: readonly number[],
  cropSize: number,
  renderSize: number,
  marginFraction = 0.15,
): [number, number, number, number] {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const i of indices) {
    x0 = Math.min(x0, landmarks[3 * i] as number);
    x1 = Math.max(x1, landmarks[3 * i] as number);
    y0 = Math.min(y0, landmarks[3 * i + 1] as number);
    y1 = Math.max(y1, landmarks[3 * i + 1] as number);
  }
  const mx = (x1 - x0) * marginFraction;
  const my = (y1 - y0) * marginFraction;
  const s = renderSize / cropSize;
  return [
    Math.max(0, Math.floor((x0 - mx) * s)),
    Math.max(0, Math.floor((y0 - my) * s)),
    Math.min(renderSize, Math.ceil((x1 + mx) * s)),
    Math.min(renderSize, Math.ceil((y1 + my) * s)),
  ];
}

/** Mean absolute RGB difference (0..255) inside a box. */
export function meanAbsDiff(a: RgbaImage, b: RgbaImage, box: [number, number, number, number]): number {
  let s = 0;
  let n = 0;
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const o = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) s += Math.abs(a.data[o + c]! - b.data[o + c]!);
      n += 3;
    }
  }
  return s / n;
}

/** PSNR (dB) between two images over pixels where `include(x, y)` holds. */
export function psnr(a: RgbaImage, b: RgbaImage, include: (x: number, y: number) => boolean): number {
  let se = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!include(x, y)) continue;
      const o = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) se += (a.data[o + c]! - b.data[o + c]!) ** 2;
      n += 3;
    }
  }
  return n === 0 ? Number.NaN : 10 * Math.log10((255 * 255) / (se / n));
}

/** Box-filter downsample of an RGBA image by an integer factor. */
export function downsample(img: RgbaImage, factor: number): RgbaImage {
  const w = img.width / factor;
  const h = img.height / factor;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) s += img.data[((y * factor + dy) * img.width + x * factor + dx) * 4 + c]!;
        }
        data[(y * w + x) * 4 + c] = s / (factor * factor);
      }
    }
  }
  return { width: w, height: h, data };
}

/** Mean RGB inside a box. */
export function meanColor(img: RgbaImage, box: [number, number, number, number]): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      for (let c = 0; c < 3; c++) s[c]! += img.data[(y * img.width + x) * 4 + c]!;
      n++;
    }
  }
  return [s[0]! / n, s[1]! / n, s[2]! / n];
}
