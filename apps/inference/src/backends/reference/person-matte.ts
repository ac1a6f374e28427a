import { FACE_OVAL_LOOP, LM, point } from '@holocall/face';
import { HolocallError } from '@holocall/protocol';
import type { AlignedImage } from '../../stages/contract';
import { SEGMENTER_SIZE as MODEL_SIZE, personSegmenter } from './segmenter-slot';

/**
 * The person's matte in the aligned photo, from a trained person-segmentation model: MediaPipe's
 * selfie segmentation (Apache-2.0; apps/inference/models/segmentation/PROVENANCE.md), run by
 * TensorFlow.js, synchronously, in the lift worker (the node's person-segmenter.ts, or the page
 * engine's in a page: segmenter-slot.ts).
 *
 *  1. the photo, box-filtered to the model's 256², gives a person probability per model pixel;
 *  2. upsampled to the aligned resolution and refined with a guided filter against the photo's
 *     luminance, so the edge follows the photo (thin hair, the rim of a cap), not the model's grid;
 *  3. kept only inside a generous region around the face (the whole width of the crop above the
 *     chin, down to the top of the shoulders below it) and only the part connected to the face:
 *     other people and blobs are dropped;
 *     Above the forehead a lower threshold keeps headwear the model is unsure of (CROWN_THRESHOLD);
 *  4. holes are filled, and the landmark face oval is always person (the one certain seed).
 */
export interface HeadMatte {
  width: number;
  height: number;
  /** Per pixel 0..1 (soft edge). */
  alpha: Float32Array;
  /** Pixels of the face oval (1 inside). */
  face: Uint8Array;
}

/** Figures a caller can check or report (tests, the contact sheet). */
export interface PersonMatteStats {
  /** Mean model probability inside the face oval (about 1 for a person). */
  faceScore: number;
  /** Person pixels (alpha > 0.5) of the kept component, and of the blobs dropped as not connected to the face. */
  keptPixels: number;
  droppedPixels: number;
}

export type PersonMatte = HeadMatte & { stats: PersonMatteStats };

/** Below this mean probability over the face oval, the model sees no person there. */
export const MIN_FACE_SCORE = 0.5;
/** The matte reaches this far below the chin, in forehead-to-chin heights (neck and the top of the shoulders). */
export const BELOW_CHIN = 0.4;
/**
 * ... and at most this far across from the face's centre line, in face widths (above the chin,
 * and below it: the shoulders are kept only near the neck, so the body stays well inside the
 * tri-plane box, where no view above or below it sees a lone plane's density).
 */
export const ACROSS = 0.85;
export const ACROSS_BELOW_CHIN = 0.6;
/** The shoulder band starts this far above the chin (forehead-to-chin heights): the jaw's lower quarter. */
export const SHOULDER_LEVEL = 0.25;
/**
 * Headwear and pale hair often get only a weak probability (the model is unsure of a white cap's
 * crown): above the forehead and within this many face widths of the centre line, this lower
 * threshold holds, for pixels connected to the confident person.
 */
export const CROWN_THRESHOLD = 0.15;
export const CROWN_HALF_WIDTH = 0.5;
/**
 * Background fringe: where the model is unsure (probability below FRINGE_CONFIDENT, outside the
 * face oval and the crown), a pixel whose colour is unlike every confident person pixel within
 * FRINGE_RADIUS_512 (scaled with the crop) by more than FRINGE_COLOUR_DISTANCE, or that has no
 * confident person pixel in reach, is background the model half-covered (a flagpole or a flag's stripe beside a cap). Distance in luminance and
 * twice-weighted colour differences (B - Y, R - Y): a hue the person does not have counts most.
 */
export const FRINGE_CONFIDENT = 0.99;
const FRINGE_RADIUS_512 = 16;
export const FRINGE_COLOUR_DISTANCE = 0.3;
const FRINGE_CHROMA_WEIGHT = 2;

/** Opponent colour (Y, weighted B - Y, weighted R - Y) per pixel, interleaved. */
function opponent(rgb: Float32Array, area: number): Float32Array {
  const out = new Float32Array(3 * area);
  for (let p = 0; p < area; p++) {
    const r = rgb[p]!;
    const g = rgb[area + p]!;
    const b = rgb[2 * area + p]!;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    out[3 * p] = y;
    out[3 * p + 1] = FRINGE_CHROMA_WEIGHT * (b - y);
    out[3 * p + 2] = FRINGE_CHROMA_WEIGHT * (r - y);
  }
  return out;
}

/**
 * Drops unsure person pixels (`unsure`) whose colour no confident person pixel nearby has (see
 * FRINGE_CONFIDENT); returns how many it dropped. Samples every other pixel of the window.
 */
function dropFringe(
  hard: Uint8Array,
  unsure: Uint8Array,
  confident: Uint8Array,
  rgb: Float32Array,
  w: number,
  h: number,
): number {
  const col = opponent(rgb, w * h);
  const r = Math.max(4, Math.round((FRINGE_RADIUS_512 * w) / 512));
  const limit = FRINGE_COLOUR_DISTANCE * FRINGE_COLOUR_DISTANCE;
  const drop: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!unsure[p] || !hard[p]) continue;
      let best = Number.POSITIVE_INFINITY;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r) && best > limit; yy += 2) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx += 2) {
          const q = yy * w + xx;
          if (!confident[q]) continue;
          const d0 = col[3 * q]! - col[3 * p]!;
          const d1 = col[3 * q + 1]! - col[3 * p + 1]!;
          const d2 = col[3 * q + 2]! - col[3 * p + 2]!;
          const d = d0 * d0 + d1 * d1 + d2 * d2;
          if (d < best) best = d;
          if (best <= limit) break;
        }
      }
      // No confident person pixel in reach at all: an unsure outpost of the matte, dropped too.
      if (best > limit) drop.push(p);
    }
  }
  for (const p of drop) hard[p] = 0;
  return drop.length;
}

/** Guided filter: radius in pixels at 512 (scaled with the crop), and its regulariser (luminance variance units). */
const GUIDE_RADIUS_512 = 6;
const GUIDE_EPS = 2e-3;

/** The model's person probability at 256² (row-major) for a square planar RGB image in [0, 1]. */
export function personProbability(image: AlignedImage): Float32Array {
  const { width: w, height: h, rgb } = image;
  const area = w * h;
  const input = new Float32Array(MODEL_SIZE * MODEL_SIZE * 3);
  // Area-average resample to 256² (each model pixel averages the source pixels it covers).
  const sx = w / MODEL_SIZE;
  const sy = h / MODEL_SIZE;
  for (let y = 0; y < MODEL_SIZE; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < MODEL_SIZE; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      const o = (y * MODEL_SIZE + x) * 3;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += rgb[c * area + yy * w + xx]!;
        input[o + c] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return personSegmenter()(input);
}

function insidePolygon(px: number, py: number, xs: number[], ys: number[]): boolean {
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    const yi = ys[i]!;
    const yj = ys[j]!;
    if (yi > py !== yj > py && px < ((xs[j]! - xs[i]!) * (py - yi)) / (yj - yi) + xs[i]!) inside = !inside;
  }
  return inside;
}

/** Bilinear upsampling (pixel centres aligned) of a low-res map to w x h. */
function upsample(src: Float32Array, n: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(n - 1, Math.max(0, ((y + 0.5) * n) / h - 0.5));
    const y0 = Math.min(n - 2, Math.floor(fy));
    const ay = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(n - 1, Math.max(0, ((x + 0.5) * n) / w - 0.5));
      const x0 = Math.min(n - 2, Math.floor(fx));
      const ax = fx - x0;
      const a = src[y0 * n + x0]! + (src[y0 * n + x0 + 1]! - src[y0 * n + x0]!) * ax;
      const b = src[(y0 + 1) * n + x0]! + (src[(y0 + 1) * n + x0 + 1]! - src[(y0 + 1) * n + x0]!) * ax;
      out[y * w + x] = a + (b - a) * ay;
    }
  }
  return out;
}

/** Mean over the (2r+1)² window (clipped at the borders), by a summed-area table. */
function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const sat = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += src[y * w + x]!;
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1]! + row;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const s = sat[y1 * (w + 1) + x1]! - sat[y0 * (w + 1) + x1]! - sat[y1 * (w + 1) + x0]! + sat[y0 * (w + 1) + x0]!;
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** He et al.'s guided filter of p with the grey guide I: an edge-aware upsampling of the model's mask. */
function guidedFilter(I: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number): Float32Array {
  const n = w * h;
  const Ip = new Float32Array(n);
  const II = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    Ip[i] = I[i]! * p[i]!;
    II[i] = I[i]! * I[i]!;
  }
  const mI = boxMean(I, w, h, r);
  const mp = boxMean(p, w, h, r);
  const mIp = boxMean(Ip, w, h, r);
  const mII = boxMean(II, w, h, r);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = mII[i]! - mI[i]! * mI[i]!;
    a[i] = (mIp[i]! - mI[i]! * mp[i]!) / (v + eps);
    b[i] = mp[i]! - a[i]! * mI[i]!;
  }
  const ma = boxMean(a, w, h, r);
  const mb = boxMean(b, w, h, r);
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = Math.min(1, Math.max(0, ma[i]! * I[i]! + mb[i]!));
  return q;
}

/** Labels the 4-connected component(s) of `mask` touching `seed`; returns them and the area left out. */
function componentOf(mask: Uint8Array, seed: Uint8Array, w: number, h: number): { kept: Uint8Array; dropped: number } {
  const kept = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let p = 0; p < w * h; p++) {
    if (seed[p] && mask[p]) {
      kept[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % w;
    const y = (p - x) / w;
    for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
      if (q >= 0 && mask[q] && !kept[q]) {
        kept[q] = 1;
        stack.push(q);
      }
    }
  }
  let dropped = 0;
  for (let p = 0; p < w * h; p++) if (mask[p] && !kept[p]) dropped++;
  return { kept, dropped };
}

/** Background reachable from the image border stays background; enclosed gaps become person. */
function fillHoles(mask: Uint8Array, w: number, h: number): void {
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % w;
    const y = (p - x) / w;
    if (x > 0) seed(p - 1);
    if (x < w - 1) seed(p + 1);
    if (y > 0) seed(p - w);
    if (y < h - 1) seed(p + w);
  }
  for (let p = 0; p < w * h; p++) if (!outside[p]) mask[p] = 1;
}

/**
 * In the shoulder band (`body`: below SHOULDER_LEVEL, outside the face oval), the person's top
 * edge may only descend (or stay) going out from the cheeks, column by column: shoulders slope
 * down from the neck. A raised tip further out (a collar or a wedge of suit the model half sees,
 * with background between it and the neck) is dropped, so the lifted body has no ledge that a
 * turned view sees through. Only removes pixels, never adds wall.
 */
function descendingShoulders(
  hard: Uint8Array,
  body: Uint8Array,
  w: number,
  h: number,
  leftX: number,
  rightX: number,
): void {
  const top = (x: number) => {
    for (let y = 0; y < h; y++) if (body[y * w + x] && hard[y * w + x]) return y;
    return h;
  };
  for (const [start, step] of [
    [leftX, -1],
    [rightX, 1],
  ] as const) {
    let allowed = 0;
    for (let x = Math.min(w - 1, Math.max(0, start)); x >= 0 && x < w; x += step) {
      allowed = Math.max(allowed, top(x));
      for (let y = 0; y < allowed; y++) if (body[y * w + x]) hard[y * w + x] = 0;
    }
  }
}

/** Grows a 0/1 mask by r pixels (square structuring element, separable). */
function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const rows = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let last = -1e9;
    for (let x = 0; x < w + r; x++) {
      if (x < w && mask[y * w + x]) last = x;
      const t = x - r;
      if (t >= 0 && t < w && x - last <= 2 * r) rows[y * w + t] = 1;
    }
  }
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let last = -1e9;
    for (let y = 0; y < h + r; y++) {
      if (y < h && rows[y * w + x]) last = y;
      const t = y - r;
      if (t >= 0 && t < h && y - last <= 2 * r) out[t * w + x] = 1;
    }
  }
  return out;
}

/**
 * The head-and-shoulders matte of an aligned photo (see the module comment). Throws
 * HolocallError(bad_request) when the model finds no person over the landmark face.
 */
export function personMatte(image: AlignedImage, landmarks: ArrayLike<number>): PersonMatte {
  const { width: w, height: h, rgb } = image;
  const area = w * h;
  const prob = personProbability(image);
  const up = upsample(prob, MODEL_SIZE, w, h);
  const grey = new Float32Array(area);
  for (let p = 0; p < area; p++) grey[p] = 0.299 * rgb[p]! + 0.587 * rgb[area + p]! + 0.114 * rgb[2 * area + p]!;
  const refined = guidedFilter(grey, up, w, h, Math.max(2, Math.round((GUIDE_RADIUS_512 * w) / 512)), GUIDE_EPS);

  const ovalX = FACE_OVAL_LOOP.map((i) => landmarks[3 * i] as number);
  const ovalY = FACE_OVAL_LOOP.map((i) => landmarks[3 * i + 1] as number);
  const top = point(landmarks, LM.foreheadTop);
  const chin = point(landmarks, LM.chin);
  const left = point(landmarks, LM.rightCheekSide);
  const right = point(landmarks, LM.leftCheekSide);
  const H = Math.hypot(top[0] - chin[0], top[1] - chin[1]);
  const W = Math.hypot(right[0] - left[0], right[1] - left[1]);
  const ux = (top[0] - chin[0]) / H;
  const uy = (top[1] - chin[1]) / H;
  const cx = (top[0] + chin[0]) / 2;
  const cy = (top[1] + chin[1]) / 2;

  const face = new Uint8Array(area);
  const hard = new Uint8Array(area);
  const body = new Uint8Array(area);
  const unsure = new Uint8Array(area);
  const confident = new Uint8Array(area);
  let faceProb = 0;
  let facePixels = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const px = x + 0.5;
      const py = y + 0.5;
      if (insidePolygon(px, py, ovalX, ovalY)) {
        face[p] = 1;
        hard[p] = 1;
        faceProb += up[p]!;
        facePixels++;
        continue;
      }
      // The generous region: along the face axis no lower than BELOW_CHIN under the chin, across no wider than ACROSS.
      const dx = px - chin[0];
      const dy = py - chin[1];
      const along = dx * ux + dy * uy;
      const across = Math.abs((px - cx) * -uy + (py - cy) * ux);
      if (along < -BELOW_CHIN * H || across > (along < 0 ? ACROSS_BELOW_CHIN : ACROSS) * W) continue;
      if (along < SHOULDER_LEVEL * H) body[p] = 1;
      const crown = along > H && across < CROWN_HALF_WIDTH * W;
      if (refined[p]! > (crown ? CROWN_THRESHOLD : 0.5)) hard[p] = 1;
      if (up[p]! >= FRINGE_CONFIDENT) confident[p] = 1;
      else if (!crown) unsure[p] = 1;
    }
  }
  const faceScore = facePixels > 0 ? faceProb / facePixels : 0;
  if (faceScore < MIN_FACE_SCORE) {
    throw HolocallError.badRequest('the photo shows no person the segmentation model can find at the face', {
      faceScore: Math.round(faceScore * 1000) / 1000,
    });
  }
  dropFringe(hard, unsure, confident, rgb, w, h);
  descendingShoulders(
    hard,
    body,
    w,
    h,
    Math.round(Math.min(left[0], right[0])),
    Math.round(Math.max(left[0], right[0])),
  );
  const { kept, dropped } = componentOf(hard, face, w, h);
  fillHoles(kept, w, h);
  // Soft edge: the refined alpha, but only next to the kept person (a dropped blob keeps no fringe).
  const near = dilate(kept, w, h, 2);
  const alpha = new Float32Array(area);
  let keptPixels = 0;
  for (let p = 0; p < area; p++) {
    if (kept[p]) keptPixels++;
    alpha[p] = kept[p] ? 1 : near[p] ? Math.min(refined[p]!, 0.5) : 0;
  }
  return { width: w, height: h, alpha, face, stats: { faceScore, keptPixels, droppedPixels: dropped } };
}
