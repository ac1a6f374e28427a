import { FACE_OVAL_LOOP, LM, point } from '@holocall/face';
import type { AlignedImage } from '../../stages/contract';

/**
 * Head matte for the aligned photo: which pixels are the person's head (face, hair, ears, a
 * stub of neck) and which are background, so the lifted head stands free.
 *
 * Classical and landmark-guided, no model:
 *  1. the face oval from the landmarks is certainly head;
 *  2. a head prior from the face's own proportions (an ellipse reaching past the hairline and
 *     ears, plus a neck column under the chin) bounds where head can be at all;
 *  3. colour models: k-means clusters of the pixels outside the (dilated) prior = background,
 *     and of the face oval plus a band above the forehead = head (skin, hair);
 *  4. inside the prior, a pixel is head when it is nearer a head cluster than a background one;
 *  5. the component touching the face is kept, holes are filled, and the edge is softened.
 * Works for plain or mildly textured studio/room backgrounds; hair the colour of the wall will
 * be cut (the gaps of the report say so).
 */
export interface HeadMatte {
  width: number;
  height: number;
  /** Per pixel 0..1 (soft edge). */
  alpha: Float32Array;
  /** Pixels of the face oval (1 inside). */
  face: Uint8Array;
}

/** Head prior, in units of the face oval's width (W) and forehead-chin height (H). */
export const HEAD_PRIOR = {
  /** Ellipse centre above the face centre, in H. */
  raise: 0.2,
  /** Semi-axes: across in W; along in H, above and below the ellipse centre (an egg: the jaw is narrow). */
  across: 0.78,
  alongUp: 0.95,
  alongDown: 0.66,
  /** Neck column half width in W, and how far below the chin it reaches, in H. */
  neckHalfWidth: 0.3,
  neckBelowChin: 0.35,
  /** Background is sampled outside the prior grown by this factor. */
  backgroundMargin: 1.25,
} as const;

const CLUSTERS = 6;
const KMEANS_ROUNDS = 8;
const MAX_SAMPLES = 6000;
const EDGE_BLUR_RADIUS = 2;

function insidePolygon(px: number, py: number, xs: number[], ys: number[]): boolean {
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    const yi = ys[i]!;
    const yj = ys[j]!;
    if (yi > py !== yj > py && px < ((xs[j]! - xs[i]!) * (py - yi)) / (yj - yi) + xs[i]!) inside = !inside;
  }
  return inside;
}

function kmeans(samples: Float32Array, k: number): Float32Array {
  const n = samples.length / 3;
  const centers = new Float32Array(k * 3);
  if (n === 0) return centers.fill(-10);
  // Deterministic spread initialisation: evenly spaced samples.
  for (let c = 0; c < k; c++) {
    const s = Math.floor(((c + 0.5) * n) / k);
    centers.set(samples.subarray(3 * s, 3 * s + 3), 3 * c);
  }
  const sums = new Float64Array(k * 4);
  for (let round = 0; round < KMEANS_ROUNDS; round++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = nearest(centers, k, samples[3 * i]!, samples[3 * i + 1]!, samples[3 * i + 2]!).index;
      sums[4 * c]! += samples[3 * i]!;
      sums[4 * c + 1]! += samples[3 * i + 1]!;
      sums[4 * c + 2]! += samples[3 * i + 2]!;
      sums[4 * c + 3]! += 1;
    }
    for (let c = 0; c < k; c++) {
      const m = sums[4 * c + 3]!;
      if (m > 0) for (let a = 0; a < 3; a++) centers[3 * c + a] = sums[4 * c + a]! / m;
    }
  }
  return centers;
}

function nearest(centers: Float32Array, k: number, r: number, g: number, b: number): { index: number; d2: number } {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const d = (centers[3 * c]! - r) ** 2 + (centers[3 * c + 1]! - g) ** 2 + (centers[3 * c + 2]! - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return { index: best, d2: bestD };
}

function subsample(list: number[], image: AlignedImage): Float32Array {
  const area = image.width * image.height;
  const step = Math.max(1, Math.floor(list.length / MAX_SAMPLES));
  const out: number[] = [];
  for (let i = 0; i < list.length; i += step) {
    const p = list[i]!;
    out.push(image.rgb[p]!, image.rgb[area + p]!, image.rgb[2 * area + p]!);
  }
  return Float32Array.from(out);
}

export function headMatte(image: AlignedImage, landmarks: ArrayLike<number>): HeadMatte {
  const { width: w, height: h } = image;
  const area = w * h;
  const ovalX = FACE_OVAL_LOOP.map((i) => landmarks[3 * i] as number);
  const ovalY = FACE_OVAL_LOOP.map((i) => landmarks[3 * i + 1] as number);
  const left = point(landmarks, LM.rightCheekSide);
  const right = point(landmarks, LM.leftCheekSide);
  const top = point(landmarks, LM.foreheadTop);
  const chin = point(landmarks, LM.chin);
  const mouthR = point(landmarks, LM.mouthCornerRight);
  const mouthL = point(landmarks, LM.mouthCornerLeft);
  const mouth: [number, number] = [(mouthR[0] + mouthL[0]) / 2, (mouthR[1] + mouthL[1]) / 2];
  const W = Math.hypot(right[0] - left[0], right[1] - left[1]);
  const H = Math.hypot(top[0] - chin[0], top[1] - chin[1]);
  // Face axes: "up" from chin to forehead, "across" to the image right.
  const ux = (top[0] - chin[0]) / H;
  const uy = (top[1] - chin[1]) / H;
  const ax = -uy;
  const ay = ux;
  const cx = ovalX.reduce((s, v) => s + v, 0) / ovalX.length;
  const cy = ovalY.reduce((s, v) => s + v, 0) / ovalY.length;
  const ex = cx + ux * HEAD_PRIOR.raise * H;
  const ey = cy + uy * HEAD_PRIOR.raise * H;

  /**
   * 0 inside the prior, growing outside (1 on its boundary), `grow` scales the prior. `generous`
   * (for choosing background samples) keeps the full ellipse and the sides of the jaw: hair that
   * may hang there must never be sampled as background.
   */
  const priorDistance = (x: number, y: number, grow: number, generous = false) => {
    const dx = x - ex;
    const dy = y - ey;
    const a = (dx * ax + dy * ay) / (HEAD_PRIOR.across * W * grow);
    const up = dx * ux + dy * uy;
    const b = up / ((up > 0 || generous ? HEAD_PRIOR.alongUp : HEAD_PRIOR.alongDown) * H * grow);
    const ellipse = a * a + b * b;
    // Neck column: across the face axis, from above the chin to below it.
    const nx = x - chin[0];
    const ny = y - chin[1];
    const across = Math.abs(nx * ax + ny * ay) / (HEAD_PRIOR.neckHalfWidth * W * grow);
    const below = -(nx * ux + ny * uy) / (HEAD_PRIOR.neckBelowChin * H * grow);
    const neck = below > -0.5 && below < 1 ? across * across : Number.POSITIVE_INFINITY;
    // Below the mouth, beside the jaw, is neck or background (or long hair, which is cut: the
    // report says so); only the face itself and the neck column reach down there.
    const mx = x - mouth[0];
    const my = y - mouth[1];
    if (!generous && mx * ux + my * uy < 0 && !insidePolygon(x, y, ovalX, ovalY)) return neck;
    return Math.min(ellipse, neck);
  };

  const face = new Uint8Array(area);
  const prior = new Uint8Array(area);
  const bgList: number[] = [];
  const fgList: number[] = [];
  const hairBand = 0.18 * H;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const px = x + 0.5;
      const py = y + 0.5;
      if (insidePolygon(px, py, ovalX, ovalY)) {
        face[p] = 1;
        prior[p] = 1;
        fgList.push(p);
        continue;
      }
      const d = priorDistance(px, py, 1);
      if (d <= 1) {
        prior[p] = 1;
        // Just above the forehead, across the middle of the face: hair (or forehead skin).
        const rx = px - top[0];
        const ry = py - top[1];
        const along = rx * ux + ry * uy;
        const across = Math.abs(rx * ax + ry * ay);
        if (along > 0 && along < hairBand && across < 0.3 * W) fgList.push(p);
      } else if (priorDistance(px, py, HEAD_PRIOR.backgroundMargin, true) > 1) {
        bgList.push(p);
      }
    }
  }
  const fgCenters = kmeans(subsample(fgList, image), CLUSTERS);
  const bgCenters = kmeans(subsample(bgList, image), CLUSTERS);

  const hard = new Uint8Array(area);
  for (let p = 0; p < area; p++) {
    if (face[p]) {
      hard[p] = 1;
      continue;
    }
    if (!prior[p]) continue;
    const r = image.rgb[p]!;
    const g = image.rgb[area + p]!;
    const b = image.rgb[2 * area + p]!;
    if (nearest(fgCenters, CLUSTERS, r, g, b).d2 < nearest(bgCenters, CLUSTERS, r, g, b).d2) hard[p] = 1;
  }
  keepFaceComponent(hard, face, w, h);
  fillHoles(hard, w, h);
  const alpha = blurMask(hard, w, h, EDGE_BLUR_RADIUS);
  for (let p = 0; p < area; p++) if (face[p]) alpha[p] = 1;
  return { width: w, height: h, alpha, face };
}

/** Keeps the 4-connected component(s) that touch the face oval. */
function keepFaceComponent(mask: Uint8Array, face: Uint8Array, w: number, h: number): void {
  const seen = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let p = 0; p < w * h; p++) {
    if (face[p] && mask[p]) {
      seen[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % w;
    const y = (p - x) / w;
    for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
      if (q >= 0 && mask[q] && !seen[q]) {
        seen[q] = 1;
        stack.push(q);
      }
    }
  }
  for (let p = 0; p < w * h; p++) mask[p] = seen[p]!;
}

/** Background reachable from the image border stays background; enclosed gaps become head. */
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

/** Separable box blur of a 0/1 mask into a soft 0..1 matte. */
function blurMask(mask: Uint8Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += mask[y * w + Math.min(w - 1, Math.max(0, x + k))]!;
      tmp[y * w + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
      out[y * w + x] = s / n;
    }
  }
  return out;
}
