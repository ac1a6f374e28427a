/**
 * Crop mode's appearance (issue 15): the sender's live face crop painted onto a rendered view,
 * where landmarks carry too little: the eyes (gaze, a closed lid) and the mouth (teeth, the
 * tongue). The crop is in packages/face's face-crop frame (rigid landmarks on the reference
 * layout); the same frame fitted to the enrolled photo's landmarks maps the lift's aligned
 * photo into it. So the avatar's world landmarks, projected through the source camera and that
 * map, say where its eyes and mouth sit in the crop; projected through the view's camera they
 * say where they sit in the output. Three anchors (both eye centres, the mouth centre) give the
 * affine map between the two; inside an ellipse around each eye and the mouth (feathered) the
 * crop replaces the render, scaled by how close the view is to the sender's own (the crop is
 * the sender's camera's view of the face). Pose still comes from the driver frames.
 *
 * Not yet in the call: the crop's transport and the receiving page's hand-over are the next
 * step; bench/fidelity-modes.ts measures what this adds against compact mode.
 */
import {
  applySimilarity,
  LEFT_EYE_LOOP,
  OUTER_LIP_LOOP,
  type RgbaImage,
  RIGHT_EYE_LOOP,
  type Similarity2D,
  sampleBilinear,
} from '@holocall/face';
import { type PinholeCamera, pinholeFromCamera25, projectPoint } from '../backends/reference/camera-math';

/** The live crop: a square RGBA8 image in the face-crop frame. */
export type FaceCrop = RgbaImage;

/** An ellipse in crop pixels. */
export interface CropRegion {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export interface CropPlacement {
  /** Affine from output pixel centres to crop pixels: u = a x + b y + c, v = d x + e y + f. */
  toCrop: [number, number, number, number, number, number];
  regions: CropRegion[];
  /** 0..1, how much of the crop this view takes. */
  strength: number;
  /** Output pixels to visit: [x0, y0, x1, y1). */
  box: [number, number, number, number];
}

/** The outer part of each ellipse's radius over which the crop fades into the render. */
const FEATHER = 0.4;
/** Views within this angle of the sender's own take all of the crop, none past FADE_END_DEG. */
const FADE_START_DEG = 12;
const FADE_END_DEG = 30;

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

function loopMean(world: ArrayLike<number>, loop: readonly number[]): [number, number, number] {
  const m: [number, number, number] = [0, 0, 0];
  for (const i of loop)
    for (let k = 0; k < 3; k++) m[k] = (m[k] as number) + (world[3 * i + k] as number) / loop.length;
  return m;
}

/** The world points the placement needs, from the avatar's 478 world landmarks. */
export interface CropAnchors {
  /** Right eye centre, left eye centre, mouth centre. */
  anchors: [number, number, number][];
  /** The eye openings and the outer lips, whose projections bound the regions. */
  loops: [number, number, number][][];
}

export function cropAnchors(world: ArrayLike<number>): CropAnchors {
  const pts = (loop: readonly number[]) =>
    loop.map((i): [number, number, number] => [
      world[3 * i] as number,
      world[3 * i + 1] as number,
      world[3 * i + 2] as number,
    ]);
  return {
    anchors: [loopMean(world, RIGHT_EYE_LOOP), loopMean(world, LEFT_EYE_LOOP), loopMean(world, OUTER_LIP_LOOP)],
    loops: [pts(RIGHT_EYE_LOOP), pts(LEFT_EYE_LOOP), pts(OUTER_LIP_LOOP)],
  };
}

function project(c: PinholeCamera, p: [number, number, number], out: Float64Array): [number, number] {
  projectPoint(c, p[0], p[1], p[2], out);
  return [out[0] as number, out[1] as number];
}

/** Where the crop's frame sits on the avatar: the lift's aligned photo (its pixels) -> crop pixels. */
export interface CropFrame {
  size: number;
  /** Side of the aligned photo the source camera projects into. */
  sourceSize: number;
  fromSource: Similarity2D;
}

/** The affine that maps three points a onto three points b (exact; null when degenerate). */
export function affineFrom3(
  a: [number, number][],
  b: [number, number][],
): [number, number, number, number, number, number] | null {
  const [p0, p1, p2] = a as [[number, number], [number, number], [number, number]];
  const [q0, q1, q2] = b as [[number, number], [number, number], [number, number]];
  const ux = p1[0] - p0[0];
  const uy = p1[1] - p0[1];
  const vx = p2[0] - p0[0];
  const vy = p2[1] - p0[1];
  const det = ux * vy - uy * vx;
  if (!(Math.abs(det) > 1e-9)) return null;
  // M [u v] = [u' v'] -> M = [u' v'] [u v]^-1.
  const ix = [vy / det, -vx / det];
  const iy = [-uy / det, ux / det];
  const u2 = [q1[0] - q0[0], q1[1] - q0[1]];
  const v2 = [q2[0] - q0[0], q2[1] - q0[1]];
  const a11 = (u2[0] as number) * (ix[0] as number) + (v2[0] as number) * (iy[0] as number);
  const a12 = (u2[0] as number) * (ix[1] as number) + (v2[0] as number) * (iy[1] as number);
  const a21 = (u2[1] as number) * (ix[0] as number) + (v2[1] as number) * (iy[0] as number);
  const a22 = (u2[1] as number) * (ix[1] as number) + (v2[1] as number) * (iy[1] as number);
  return [a11, a12, q0[0] - a11 * p0[0] - a12 * p0[1], a21, a22, q0[1] - a21 * p0[0] - a22 * p0[1]];
}

/** Angle in degrees between two 25-float cameras' viewing axes. */
function axisAngleDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // The view axis is the camera-to-world rotation's third column (rows 0-2, column 2).
  const dot =
    (a[2] as number) * (b[2] as number) + (a[6] as number) * (b[6] as number) + (a[10] as number) * (b[10] as number);
  const na = Math.hypot(a[2] as number, a[6] as number, a[10] as number);
  const nb = Math.hypot(b[2] as number, b[6] as number, b[10] as number);
  return (Math.acos(Math.max(-1, Math.min(1, dot / (na * nb)))) * 180) / Math.PI;
}

/**
 * Where the crop goes in one view: `sourceCamera` is the camera the lift's aligned photo is seen
 * from, `senderCamera` the view the sender's camera has of them now (the flat view that follows
 * the driver pose), `viewCamera` this output view's.
 */
export function placeCrop(
  anchors: CropAnchors,
  frame: CropFrame,
  sourceCamera: ArrayLike<number>,
  viewCamera: ArrayLike<number>,
  senderCamera: ArrayLike<number>,
  width: number,
  height: number,
): CropPlacement | null {
  const strength = 1 - smoothstep(FADE_START_DEG, FADE_END_DEG, axisAngleDeg(viewCamera, senderCamera));
  if (strength <= 0) return null;
  const tmp = new Float64Array(3);
  const src = pinholeFromCamera25(sourceCamera, frame.sourceSize, frame.sourceSize);
  const dst = pinholeFromCamera25(viewCamera, width, height);
  const toCropPx = (p: [number, number, number]) => applySimilarity(frame.fromSource, ...project(src, p, tmp));
  const inCrop = anchors.anchors.map(toCropPx);
  const inOut = anchors.anchors.map((p) => project(dst, p, tmp));
  const toCrop = affineFrom3(inOut, inCrop);
  if (!toCrop) return null;
  const [re, le] = inCrop as [[number, number], [number, number]];
  const iod = Math.hypot(le[0] - re[0], le[1] - re[1]);
  const regions = anchors.loops.map((loop, k): CropRegion => {
    const p = loop.map(toCropPx);
    const xs = p.map((q) => q[0]);
    const ys = p.map((q) => q[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const mouth = k === 2;
    // Eyes: the opening and a margin for lids and lashes; the mouth: room for a dropped jaw.
    return {
      cx: (x0 + x1) / 2,
      cy: (y0 + y1) / 2 + (mouth ? 0.12 * iod : 0),
      rx: Math.max((x1 - x0) * (mouth ? 0.75 : 0.8), 0.2 * iod),
      ry: Math.max((y1 - y0) * (mouth ? 1.2 : 1.6), mouth ? 0.35 * iod : 0.2 * iod),
    };
  });
  // Output box: the regions' bounding boxes mapped to the output (inverse affine of the corners).
  const [a, b, c, d, e, f] = toCrop;
  const det = a * e - b * d;
  const toOut = (u: number, v: number): [number, number] => [
    (e * (u - c) - b * (v - f)) / det,
    (-d * (u - c) + a * (v - f)) / det,
  ];
  let [bx0, by0, bx1, by1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const r of regions) {
    for (const [u, v] of [
      [r.cx - r.rx, r.cy - r.ry],
      [r.cx + r.rx, r.cy - r.ry],
      [r.cx - r.rx, r.cy + r.ry],
      [r.cx + r.rx, r.cy + r.ry],
    ] as const) {
      const [x, y] = toOut(u, v);
      bx0 = Math.min(bx0, x);
      bx1 = Math.max(bx1, x);
      by0 = Math.min(by0, y);
      by1 = Math.max(by1, y);
    }
  }
  const box: [number, number, number, number] = [
    Math.max(0, Math.floor(bx0)),
    Math.max(0, Math.floor(by0)),
    Math.min(width, Math.ceil(bx1) + 1),
    Math.min(height, Math.ceil(by1) + 1),
  ];
  if (box[0] >= box[2] || box[1] >= box[3]) return null;
  return { toCrop, regions, strength, box };
}

/** Crop pixels of misregistration searched for (either way, each axis). */
const REGISTER_RANGE = 2;
/** The skin band around each region the registration compares: radii from RING[0] to RING[1]. */
const RING: [number, number] = [0.85, 1.5];

/**
 * The placement moved by the crop-space offset at which the crop best matches the render on the
 * skin around the regions (least squares, coarse then fine), where expressions change little.
 * The sender's crop frame comes from its live landmarks and the receiver's from the enrolled
 * photo's: a tracker places a face a pixel or two apart in two framings of it (measured 0.7 and
 * 2 px at 512 on the astronaut), a quarter pixel of the crop, which at a face's detail is
 * several dB. Returns the offset found, in crop pixels.
 */
export function registerCrop(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  crop: FaceCrop,
  placement: CropPlacement,
): [number, number] {
  const [a, b, c, d, e, f] = placement.toCrop;
  const [x0, y0, x1, y1] = placement.box;
  // Sample points: every other output pixel of the box whose crop point lies in a ring.
  const samples: number[] = [];
  for (let y = y0; y < y1; y += 2) {
    for (let x = x0; x < x1; x += 2) {
      const o = (y * width + x) * 4;
      if ((pixels[o + 3] as number) < 250) continue;
      const u = a * (x + 0.5) + b * (y + 0.5) + c;
      const v = d * (x + 0.5) + e * (y + 0.5) + f;
      let inside = false;
      let ring = false;
      for (const r of placement.regions) {
        const dist = Math.hypot((u - r.cx) / r.rx, (v - r.cy) / r.ry);
        if (dist < RING[0]) inside = true;
        else if (dist < RING[1]) ring = true;
      }
      if (ring && !inside) samples.push(u, v, o);
    }
  }
  if (samples.length < 3 * 32) return [0, 0];
  const rgb = new Float32Array(4);
  const cost = (du: number, dv: number) => {
    let sum = 0;
    for (let k = 0; k < samples.length; k += 3) {
      sampleBilinear(crop, (samples[k] as number) + du, (samples[k + 1] as number) + dv, rgb, 0);
      const o = samples[k + 2] as number;
      for (let ch = 0; ch < 3; ch++) sum += ((rgb[ch] as number) - (pixels[o + ch] as number)) ** 2;
    }
    return sum;
  };
  let best: [number, number] = [0, 0];
  let bestCost = cost(0, 0);
  for (const [step, range] of [
    [0.5, REGISTER_RANGE],
    [0.125, 0.375],
  ] as const) {
    const [cu, cv] = best;
    for (let du = -range; du <= range + 1e-9; du += step) {
      for (let dv = -range; dv <= range + 1e-9; dv += step) {
        const value = cost(cu + du, cv + dv);
        if (value < bestCost) {
          bestCost = value;
          best = [cu + du, cv + dv];
        }
      }
    }
  }
  placement.toCrop[2] += best[0];
  placement.toCrop[5] += best[1];
  return best;
}

/** Paints the crop's regions into `pixels` (RGBA8, width x height) where the head covers them. */
export function compositeFaceCrop(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  crop: FaceCrop,
  placement: CropPlacement,
): number {
  const [a, b, c, d, e, f] = placement.toCrop;
  const [x0, y0, x1, y1] = placement.box;
  const rgb = new Float32Array(4);
  let painted = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * width + x) * 4;
      const alpha = (pixels[o + 3] as number) / 255;
      if (alpha <= 0) continue;
      const px = x + 0.5;
      const py = y + 0.5;
      const u = a * px + b * py + c;
      const v = d * px + e * py + f;
      let w = 0;
      for (const r of placement.regions) {
        const dist = Math.hypot((u - r.cx) / r.rx, (v - r.cy) / r.ry);
        w = Math.max(w, 1 - smoothstep(1 - FEATHER, 1, dist));
      }
      w *= placement.strength * alpha;
      if (w <= 0) continue;
      sampleBilinear(crop, u, v, rgb, 0);
      for (let k = 0; k < 3; k++) {
        const value = pixels[o + k] as number;
        pixels[o + k] = Math.round(value + w * ((rgb[k] as number) - value));
      }
      painted++;
    }
  }
  return painted;
}
