import type { TextureWarp } from '../stages/contract';
import { CAM_OX, rayDirection } from './rays';
import { EMPTY_DEPTH, projectToSource, type SourceTexture } from './source-texture';

/**
 * Detail at output resolution (issue 12, item 3). The ray grid gives depth and coverage; the
 * picture comes from the source photo:
 *
 *   per ray (textureRays): the expected depth unprojects to the surface point; through the
 *     expression's warp (a residual that moved the face carries where each texel's content came
 *     from, TextureWarp) back to the neutral source point; projected into the source photo, with
 *     a weight = how squarely the source camera saw it x whether it saw it at all (the source
 *     view's depth map) x how much of the photo the warp keeps there (not an opened mouth);
 *   per output pixel (detailRows): coverage and the tri-plane colour bilinear from the rays;
 *     photo coordinates and weight interpolated from the rays of the same surface only (taps
 *     more than DEPTH_EDGE from the nearest tap's depth are left out, so nose and cheek do not
 *     mix at an occlusion edge); the photo sampled bilinear at full resolution, its alpha (the
 *     eroded matte) one more factor; colour = tri-plane + weight x (photo - tri-plane); at the
 *     silhouette, coverage from a cubic B-spline of the rays' opacity, sharpened to about
 *     EDGE_WIDTH_PX, so a slanted edge is a smooth anti-aliased line, not 8-pixel stairs.
 *
 * Interpolating photo coordinates (not unprojecting every pixel) keeps the per-pixel work to
 * a few bilinear taps: the projective map is smooth within a surface, and its errors at ray
 * scale are far below a photo pixel once the depth taps of another surface are excluded.
 * The warp is applied to surface points (map back, then texture) because the residual only
 * moves content within the xy plane, and reenact.ts computes exactly that inverse map per frame.
 */

/** Floats per ray in the coordinates buffer: depth (or NO_SURFACE), photo u, v, weight. */
export const RAY_COORD_FLOATS = 4;
export const NO_SURFACE = -1;
/** Below this opacity a ray's depth is not trusted (a grazing ray at the silhouette). */
const DEPTH_ALPHA = 0.05;
/** Taps whose depth differs from the dominant tap's by more than this belong to another surface. */
const DEPTH_EDGE = 0.03;
/** A point may lie this much behind the source view's depth and still count as seen. */
const SHADOW_TOLERANCE = 0.012;
/** Width (output pixels) of the anti-aliased silhouette ramp. */
export const EDGE_WIDTH_PX = 1.25;
/** The cubic B-spline's slope at a sampled step's middle: 2/3 per ray. */
const BSPLINE_STEP_SLOPE = 2 / 3;

/** A residual's warp as a render job carries it (arrays the render threads can read). */
export interface JobWarp {
  resolution: number;
  box: [number, number, number, number];
  srcU: Float32Array;
  srcV: Float32Array;
  photoWeight: Float32Array;
}

export function jobWarpOf(w: TextureWarp | undefined | null): JobWarp | null {
  if (!w) return null;
  return {
    resolution: w.resolution,
    box: [w.box[0], w.box[1], w.box[2], w.box[3]],
    srcU: w.srcU,
    srcV: w.srcV,
    photoWeight: w.photoWeight,
  };
}

/** Bilinear tap of a box-sized field at continuous grid coordinates (gx, gy), clamped to the box. */
function boxSample(field: Float32Array, bw: number, bh: number, fx: number, fy: number): number {
  fx = fx < 0 ? 0 : Math.min(fx, bw - 1);
  fy = fy < 0 ? 0 : Math.min(fy, bh - 1);
  let x0 = Math.floor(fx);
  let y0 = Math.floor(fy);
  if (x0 > bw - 2) x0 = Math.max(0, bw - 2);
  if (y0 > bh - 2) y0 = Math.max(0, bh - 2);
  const ax = fx - x0;
  const ay = fy - y0;
  const b = y0 * bw + x0;
  const x1 = bw > 1 ? 1 : 0;
  const y1 = bh > 1 ? bw : 0;
  return (
    ((field[b] as number) * (1 - ax) + (field[b + x1] as number) * ax) * (1 - ay) +
    ((field[b + y1] as number) * (1 - ax) + (field[b + y1 + x1] as number) * ax) * ay
  );
}

/** Bilinear tap of a SHADOW_SIZE² map at photo pixel coordinates. */
function mapSample(map: Float32Array, S: number, fx: number, fy: number): number {
  fx = fx < 0 ? 0 : Math.min(fx, S - 1);
  fy = fy < 0 ? 0 : Math.min(fy, S - 1);
  const x0 = Math.min(S - 2, Math.floor(fx));
  const y0 = Math.min(S - 2, Math.floor(fy));
  const ax = fx - x0;
  const ay = fy - y0;
  const b = y0 * S + x0;
  return (
    ((map[b] as number) * (1 - ax) + (map[b + 1] as number) * ax) * (1 - ay) +
    ((map[b + S] as number) * (1 - ax) + (map[b + S + 1] as number) * ax) * ay
  );
}

const tmp = new Float64Array(3);
const dir = new Float64Array(3);

/**
 * Rows [rowStart, rowEnd) of one view's rays: depth from the premultiplied expected depth, and
 * (with a texture) where the surface point shows in the photo and how much to trust it.
 */
export function textureRays(
  cam: Float64Array,
  camOffset: number,
  width: number,
  height: number,
  rowStart: number,
  rowEnd: number,
  lowres: Float32Array,
  lowOffset: number,
  depth: Float32Array,
  depthOffset: number,
  coords: Float32Array,
  coordOffset: number,
  tex: SourceTexture | null,
  warp: JobWarp | null,
): void {
  const ox = cam[camOffset + CAM_OX] as number;
  const oy = cam[camOffset + CAM_OX + 1] as number;
  const oz = cam[camOffset + CAM_OX + 2] as number;
  const S = tex ? tex.shadowSize : 0;
  for (let row = rowStart; row < rowEnd; row++) {
    for (let col = 0; col < width; col++) {
      const i = row * width + col;
      const a = lowres[lowOffset + 4 * i + 3] as number;
      const o = coordOffset + RAY_COORD_FLOATS * i;
      if (a < DEPTH_ALPHA) {
        coords[o] = NO_SURFACE;
        coords[o + 3] = 0;
        continue;
      }
      const d = (depth[depthOffset + i] as number) / a;
      coords[o] = d;
      coords[o + 3] = 0;
      if (!tex) continue;
      rayDirection(cam, camOffset, width, height, row, col, dir);
      let x = ox + d * (dir[0] as number);
      let y = oy + d * (dir[1] as number);
      const z = oz + d * (dir[2] as number);
      let keep = 1;
      if (warp) {
        // Texel coordinates of the deformed point; inside the box, back to the neutral source.
        const R = warp.resolution;
        const [i0, j0, i1, j1] = warp.box;
        const gx = (x + 0.5) * R;
        const gy = (y + 0.5) * R;
        if (gx >= i0 && gx < i1 && gy >= j0 && gy < j1) {
          const bw = i1 - i0;
          const bh = j1 - j0;
          const fx = gx - 0.5 - i0;
          const fy = gy - 0.5 - j0;
          x = boxSample(warp.srcU, bw, bh, fx, fy) / R - 0.5;
          y = boxSample(warp.srcV, bw, bh, fx, fy) / R - 0.5;
          keep = boxSample(warp.photoWeight, bw, bh, fx, fy);
        }
      }
      if (!projectToSource(tex, x, y, z, tmp)) continue;
      const u = tmp[0] as number;
      const v = tmp[1] as number;
      if (!(u >= 0 && v >= 0 && u < tex.width && v < tex.height)) continue;
      const sx = (u / tex.width) * S - 0.5;
      const sy = (v / tex.height) * S - 0.5;
      const seen = mapSample(tex.shadow, S, sx, sy);
      if (seen >= EMPTY_DEPTH * 0.5) continue;
      const behind = (tmp[2] as number) - seen;
      const vis = behind <= SHADOW_TOLERANCE ? 1 : behind >= 2 * SHADOW_TOLERANCE ? 0 : 2 - behind / SHADOW_TOLERANCE;
      const w = vis * keep * mapSample(tex.facing, S, sx, sy);
      coords[o + 1] = u;
      coords[o + 2] = v;
      coords[o + 3] = w;
    }
  }
}

/** Two 8-bit channels in one int32 (bits 0-7 and 16-23), and rounding for both at once (7-bit weights). */
const LANES = 0x00ff00ff;
const HALF = 0x00400040;

/**
 * The photo bilinear at continuous pixel (u, v) (centres at +0.5, clamped to the image) as packed
 * RGBA8, the matte in alpha. Fixed point with 7-bit weights, two channels per multiply (red|blue
 * and green|matte lanes): 7 bits keep every product below 2^31, in the engine's integer range,
 * and the result is within one level of the float bilinear.
 */
export function fetchPhoto(photo: Int32Array, pw: number, ph: number, u: number, v: number): number {
  let px = u - 0.5;
  let py = v - 0.5;
  px = px < 0 ? 0 : Math.min(px, pw - 1);
  py = py < 0 ? 0 : Math.min(py, ph - 1);
  let qx = px | 0;
  let qy = py | 0;
  if (qx > pw - 2) qx = pw - 2;
  if (qy > ph - 2) qy = ph - 2;
  const fx = ((px - qx) * 128 + 0.5) | 0;
  const fy = ((py - qy) * 128 + 0.5) | 0;
  const gx = 128 - fx;
  const gy = 128 - fy;
  const p0 = qy * pw + qx;
  const c00 = photo[p0] as number;
  const c01 = photo[p0 + 1] as number;
  const c10 = photo[p0 + pw] as number;
  const c11 = photo[p0 + pw + 1] as number;
  const rbT = (((c00 & LANES) * gx + (c01 & LANES) * fx + HALF) >>> 7) & LANES;
  const rbB = (((c10 & LANES) * gx + (c11 & LANES) * fx + HALF) >>> 7) & LANES;
  const gaT = ((((c00 >>> 8) & LANES) * gx + ((c01 >>> 8) & LANES) * fx + HALF) >>> 7) & LANES;
  const gaB = ((((c10 >>> 8) & LANES) * gx + ((c11 >>> 8) & LANES) * fx + HALF) >>> 7) & LANES;
  const rb = ((rbT * gy + rbB * fy + HALF) >>> 7) & LANES;
  const ga = ((gaT * gy + gaB * fy + HALF) >>> 7) & LANES;
  return rb | (ga << 8);
}

const EMPTY_PHOTO = new Int32Array(0);

/** The photo's pixels as int32 (the matte in the top byte puts uint32 values outside the small-integer range). */
const photoViews = new WeakMap<Uint32Array, Int32Array>();
function photoInts(photo: Uint32Array): Int32Array {
  let v = photoViews.get(photo);
  if (!v) {
    v = new Int32Array(photo.buffer, photo.byteOffset, photo.length);
    photoViews.set(photo, v);
  }
  return v;
}

/** The packed colour groupPhoto fetched last. */
let groupColour = 0;

/**
 * The photo as one group of taps sees it (m: the taps' weights within the group, summing to m):
 * interpolated coordinates over the taps that have them, the photo sampled there into
 * `groupColour`; returns the trust weight (the group's mean ray weight x the matte at the sample).
 */
function groupPhoto(
  coords: Float32Array,
  c: number,
  i00: number,
  i01: number,
  i10: number,
  i11: number,
  m00: number,
  m01: number,
  m10: number,
  m11: number,
  m: number,
  photo: Int32Array,
  pw: number,
  ph: number,
): number {
  const w00 = m00 * (coords[c + 4 * i00 + 3] as number);
  const w01 = m01 * (coords[c + 4 * i01 + 3] as number);
  const w10 = m10 * (coords[c + 4 * i10 + 3] as number);
  const w11 = m11 * (coords[c + 4 * i11 + 3] as number);
  const wsum = w00 + w01 + w10 + w11;
  if (!(wsum > 1e-4 * m)) return 0;
  const u =
    (w00 * (coords[c + 4 * i00 + 1] as number) +
      w01 * (coords[c + 4 * i01 + 1] as number) +
      w10 * (coords[c + 4 * i10 + 1] as number) +
      w11 * (coords[c + 4 * i11 + 1] as number)) /
    wsum;
  const v =
    (w00 * (coords[c + 4 * i00 + 2] as number) +
      w01 * (coords[c + 4 * i01 + 2] as number) +
      w10 * (coords[c + 4 * i10 + 2] as number) +
      w11 * (coords[c + 4 * i11 + 2] as number)) /
    wsum;
  groupColour = fetchPhoto(photo, pw, ph, u, v);
  return (wsum / m) * ((groupColour >>> 24) / 255);
}

/** Scratch for one thread's detail pass (sized for the widest tile). */
export interface DetailScratch {
  x0: Int32Array;
  wx: Float32Array;
  /** Cubic B-spline weights per output column, 4 per column (taps x0 - 1 .. x0 + 2). */
  bx: Float32Array;
  /** The current output row's B-spline weights (taps y0 - 1 .. y0 + 2). */
  by: Float32Array;
  /** One ray cell's values for the current output row (interiorCell, occlusionCell). */
  cell: Float64Array;
}

export function createDetailScratch(maxWidth = 4096): DetailScratch {
  return {
    x0: new Int32Array(maxWidth),
    wx: new Float32Array(maxWidth),
    bx: new Float32Array(maxWidth * 4),
    by: new Float32Array(4),
    cell: new Float64Array(CELL_FLOATS),
  };
}

function bspline(t: number, out: Float32Array, o: number): void {
  const t2 = t * t;
  const t3 = t2 * t;
  const u = 1 - t;
  out[o] = (u * u * u) / 6;
  out[o + 1] = (3 * t3 - 6 * t2 + 4) / 6;
  out[o + 2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6;
  out[o + 3] = t3 / 6;
}

/** Low-res rows output rows [outRowStart, outRowEnd) read (the B-spline reaches one above and two below). */
export function detailSourceRows(srcH: number, outH: number, outRowStart: number, outRowEnd: number): [number, number] {
  const sy = srcH / outH;
  const row = (y: number) => Math.min(srcH - 1, Math.max(0, Math.floor((y + 0.5) * sy - 0.5)));
  return [Math.max(0, row(outRowStart) - 1), Math.min(srcH - 1, row(outRowEnd - 1) + 2)];
}

/** One view's inputs to the detail pass (what every pixel of it reads). */
export interface DetailView {
  lowres: Float32Array;
  lowOffset: number;
  coords: Float32Array;
  coordOffset: number;
  srcW: number;
  srcH: number;
  tex: SourceTexture | null;
}

/** Horizontal taps of output columns [0, outW) into the scratch (bilinear x0 and weight, B-spline weights). */
export function prepareColumns(srcW: number, outW: number, scratch: DetailScratch): void {
  const sx = srcW / outW;
  for (let x = 0; x < outW; x++) {
    let fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    let x0 = Math.floor(fx);
    if (x0 > srcW - 1) x0 = srcW - 1;
    scratch.x0[x] = x0;
    const t = x0 >= srcW - 1 ? 0 : fx - x0;
    scratch.wx[x] = t;
    bspline(t, scratch.bx, 4 * x);
  }
}

/** The silhouette's coverage sharpening: B-spline slope times gain is one over EDGE_WIDTH_PX output pixels. */
export function edgeGain(srcW: number, srcH: number, outW: number, outH: number): number {
  return Math.max(1, Math.max(outW / srcW, outH / srcH) / (BSPLINE_STEP_SLOPE * EDGE_WIDTH_PX));
}

/** An output row's vertical taps: low-res rows y0, y1 and the weight of y1. */
export function rowTaps(srcH: number, outH: number, y: number): { y0: number; y1: number; wy: number } {
  let fy = (y + 0.5) * (srcH / outH) - 0.5;
  if (fy < 0) fy = 0;
  let y0 = Math.floor(fy);
  if (y0 > srcH - 1) y0 = srcH - 1;
  return { y0, y1: y0 >= srcH - 1 ? y0 : y0 + 1, wy: y0 >= srcH - 1 ? 0 : fy - y0 };
}

/**
 * One output pixel (column x of the output row between low-res rows y0 and y1 at weight wy,
 * scratch.by holding that row's B-spline weights, prepareColumns done), packed RGBA8. The
 * general case, term by term: any mix of empty, solid, and surfaces at different depths among
 * its four taps (detailRows takes it for silhouette cells; the other cells' shortcuts compute
 * the same sums).
 */
export function detailPixel(
  view: DetailView,
  x: number,
  y0: number,
  y1: number,
  wy: number,
  gain: number,
  scratch: DetailScratch,
): number {
  const { lowres, lowOffset: l, coords, coordOffset: c, srcW, srcH, tex } = view;
  const x0 = scratch.x0[x] as number;
  const wx = scratch.wx[x] as number;
  const x1 = wx === 0 ? x0 : x0 + 1;
  const rowA = y0 * srcW;
  const rowB = y1 * srcW;
  const i00 = rowA + x0;
  const i01 = rowA + x1;
  const i10 = rowB + x0;
  const i11 = rowB + x1;
  const b00 = (1 - wx) * (1 - wy);
  const b01 = wx * (1 - wy);
  const b10 = (1 - wx) * wy;
  const b11 = wx * wy;
  const a00 = lowres[l + 4 * i00 + 3] as number;
  const a01 = lowres[l + 4 * i01 + 3] as number;
  const a10 = lowres[l + 4 * i10 + 3] as number;
  const a11 = lowres[l + 4 * i11 + 3] as number;
  const A = b00 * a00 + b01 * a01 + b10 * a10 + b11 * a11;
  if (A < 1 / 1024) return 0;
  let r =
    (b00 * (lowres[l + 4 * i00] as number) +
      b01 * (lowres[l + 4 * i01] as number) +
      b10 * (lowres[l + 4 * i10] as number) +
      b11 * (lowres[l + 4 * i11] as number)) /
    A;
  let g =
    (b00 * (lowres[l + 4 * i00 + 1] as number) +
      b01 * (lowres[l + 4 * i01 + 1] as number) +
      b10 * (lowres[l + 4 * i10 + 1] as number) +
      b11 * (lowres[l + 4 * i11 + 1] as number)) /
    A;
  let b =
    (b00 * (lowres[l + 4 * i00 + 2] as number) +
      b01 * (lowres[l + 4 * i01 + 2] as number) +
      b10 * (lowres[l + 4 * i10 + 2] as number) +
      b11 * (lowres[l + 4 * i11 + 2] as number)) /
    A;
  // Coverage: at a true silhouette (an empty and a solid tap), the sharpened B-spline.
  let cover = A;
  const amin = Math.min(a00, a01, a10, a11);
  const amax = Math.max(a00, a01, a10, a11);
  if (amin < 0.05 && amax > 0.95) {
    const { bx, by } = scratch;
    let B = 0;
    for (let ky = 0; ky < 4; ky++) {
      let ry = y0 - 1 + ky;
      ry = ry < 0 ? 0 : Math.min(ry, srcH - 1);
      const base = l + 4 * ry * srcW;
      let acc = 0;
      for (let kx = 0; kx < 4; kx++) {
        let cx = x0 - 1 + kx;
        cx = cx < 0 ? 0 : Math.min(cx, srcW - 1);
        acc += (bx[4 * x + kx] as number) * (lowres[base + 4 * cx + 3] as number);
      }
      B += (by[ky] as number) * acc;
    }
    cover = 0.5 + (B - 0.5) * gain;
    cover = cover < 0 ? 0 : Math.min(cover, 1);
  }
  if (tex) {
    const photo = photoInts(tex.photo);
    const { width: pw, height: ph } = tex;
    // Taps of the dominant tap's surface (A) and of any other surface (B) behind or in front
    // of it: each group's photo coordinates are interpolated within the group only, and the
    // two groups' colours cross-fade by their share of the bilinear weight (an occlusion edge
    // is a soft blend across one ray cell, not a hard edge along the ray grid).
    const d00 = coords[c + 4 * i00] as number;
    const d01 = coords[c + 4 * i01] as number;
    const d10 = coords[c + 4 * i10] as number;
    const d11 = coords[c + 4 * i11] as number;
    const m00 = d00 >= 0 ? b00 * a00 : 0;
    const m01 = d01 >= 0 ? b01 * a01 : 0;
    const m10 = d10 >= 0 ? b10 * a10 : 0;
    const m11 = d11 >= 0 ? b11 * a11 : 0;
    let dd = d00;
    let best = m00;
    if (m01 > best) {
      best = m01;
      dd = d01;
    }
    if (m10 > best) {
      best = m10;
      dd = d10;
    }
    if (m11 > best) {
      best = m11;
      dd = d11;
    }
    const s00 = Math.abs(d00 - dd) <= DEPTH_EDGE ? 1 : 0;
    const s01 = Math.abs(d01 - dd) <= DEPTH_EDGE ? 1 : 0;
    const s10 = Math.abs(d10 - dd) <= DEPTH_EDGE ? 1 : 0;
    const s11 = Math.abs(d11 - dd) <= DEPTH_EDGE ? 1 : 0;
    const mA = s00 * m00 + s01 * m01 + s10 * m10 + s11 * m11;
    const mB = m00 + m01 + m10 + m11 - mA;
    if (mA > 0) {
      let wt = groupPhoto(coords, c, i00, i01, i10, i11, s00 * m00, s01 * m01, s10 * m10, s11 * m11, mA, photo, pw, ph);
      let pr = (groupColour & 255) / 255;
      let pg = ((groupColour >>> 8) & 255) / 255;
      let pb = ((groupColour >>> 16) & 255) / 255;
      if (mB > 1e-6) {
        const wB = groupPhoto(
          coords,
          c,
          i00,
          i01,
          i10,
          i11,
          (1 - s00) * m00,
          (1 - s01) * m01,
          (1 - s10) * m10,
          (1 - s11) * m11,
          mB,
          photo,
          pw,
          ph,
        );
        const fa = mA / (mA + mB);
        // Each group's colour is its photo colour where trusted, else the tri-plane's.
        pr = fa * (r + wt * (pr - r)) + (1 - fa) * (r + wB * ((groupColour & 255) / 255 - r));
        pg = fa * (g + wt * (pg - g)) + (1 - fa) * (g + wB * (((groupColour >>> 8) & 255) / 255 - g));
        pb = fa * (b + wt * (pb - b)) + (1 - fa) * (b + wB * (((groupColour >>> 16) & 255) / 255 - b));
        wt = 1;
      }
      if (wt > 0) {
        r += wt * (pr - r);
        g += wt * (pg - g);
        b += wt * (pb - b);
      }
    }
  }
  return pack(r * 255, g * 255, b * 255, cover);
}

/** Colour (0..255, not premultiplied) times coverage, rounded and clamped to packed RGBA8. */
function pack(r: number, g: number, b: number, cover: number): number {
  let R8 = r * cover + 0.5;
  let G8 = g * cover + 0.5;
  let B8 = b * cover + 0.5;
  R8 = R8 < 0 ? 0 : Math.min(R8, 255);
  G8 = G8 < 0 ? 0 : Math.min(G8, 255);
  B8 = B8 < 0 ? 0 : Math.min(B8, 255);
  return R8 | 0 | ((G8 | 0) << 8) | ((B8 | 0) << 16) | (((cover * 255 + 0.5) | 0) << 24);
}

/*
 * A ray cell's values for one output row, in DetailScratch.cell. Interior cells: each of
 * detailPixel's sums interpolated down the cell's left (L) and right (R) tap column, so that a
 * pixel at horizontal weight t is (1 - t) L + t R. Occlusion cells: the four taps' own values.
 */
const C_A = 0; // opacity, L and R
const C_RGB = 2; // premultiplied tri-plane colour, L and R per channel (6)
const C_M = 8; // sum of b·a over taps with a surface, L and R
const C_W = 10; // the same times each ray's photo weight, L and R
const C_U = 12; // W times the ray's photo u, L and R
const C_V = 14; // W times the ray's photo v, L and R
// Occlusion cells, per tap j (00, 01, 10, 11) at 16 + 8 j: a, a if it has a surface (e), e·weight, its u, v, r, g, b.
const C_TAPS = 16;
const TAP_FLOATS = 8;
// Per dominant tap k, the taps on its surface (bit j: within DEPTH_EDGE of tap k's depth).
const C_GROUPS = C_TAPS + 4 * TAP_FLOATS;
const CELL_FLOATS = C_GROUPS + 4;

/** Interior cell pixels [x, end) of one output row: no silhouette, every surface tap on one surface. */
function interiorCell(
  dst: Uint32Array,
  d: number,
  x: number,
  end: number,
  xWeights: Float32Array,
  k: Float64Array,
  photo: Int32Array | null,
  pw: number,
  ph: number,
): void {
  const AL = k[C_A] as number;
  const AR = k[C_A + 1] as number;
  const rL = k[C_RGB] as number;
  const rR = k[C_RGB + 1] as number;
  const gL = k[C_RGB + 2] as number;
  const gR = k[C_RGB + 3] as number;
  const bL = k[C_RGB + 4] as number;
  const bR = k[C_RGB + 5] as number;
  const ML = k[C_M] as number;
  const MR = k[C_M + 1] as number;
  const WL = k[C_W] as number;
  const WR = k[C_W + 1] as number;
  const UL = k[C_U] as number;
  const UR = k[C_U + 1] as number;
  const VL = k[C_V] as number;
  const VR = k[C_V + 1] as number;
  const seesPhoto = photo !== null && (WL > 0 || WR > 0);
  const P = photo ?? EMPTY_PHOTO;
  for (; x < end; x++, d++) {
    const t = xWeights[x] as number;
    const s = 1 - t;
    const A = s * AL + t * AR;
    if (A < 1 / 1024) {
      dst[d] = 0;
      continue;
    }
    // The photo's colour and trust, where this pixel sees it.
    let wt = 0;
    let p = 0;
    if (seesPhoto) {
      const M = s * ML + t * MR;
      const W = s * WL + t * WR;
      if (M > 0 && W > 1e-4 * M) {
        const iw = 1 / W;
        // fetchPhoto, written out: this is the hottest loop of the render, and the call is not inlined.
        let px = (s * UL + t * UR) * iw - 0.5;
        let py = (s * VL + t * VR) * iw - 0.5;
        px = px < 0 ? 0 : Math.min(px, pw - 1);
        py = py < 0 ? 0 : Math.min(py, ph - 1);
        let qx = px | 0;
        let qy = py | 0;
        if (qx > pw - 2) qx = pw - 2;
        if (qy > ph - 2) qy = ph - 2;
        const fx = ((px - qx) * 128 + 0.5) | 0;
        const fy = ((py - qy) * 128 + 0.5) | 0;
        const gx = 128 - fx;
        const gy = 128 - fy;
        const p0 = qy * pw + qx;
        const c00 = P[p0] as number;
        const c01 = P[p0 + 1] as number;
        const c10 = P[p0 + pw] as number;
        const c11 = P[p0 + pw + 1] as number;
        const rbT = (((c00 & LANES) * gx + (c01 & LANES) * fx + HALF) >>> 7) & LANES;
        const rbB = (((c10 & LANES) * gx + (c11 & LANES) * fx + HALF) >>> 7) & LANES;
        const gaT = ((((c00 >>> 8) & LANES) * gx + ((c01 >>> 8) & LANES) * fx + HALF) >>> 7) & LANES;
        const gaB = ((((c10 >>> 8) & LANES) * gx + ((c11 >>> 8) & LANES) * fx + HALF) >>> 7) & LANES;
        p = (((rbT * gy + rbB * fy + HALF) >>> 7) & LANES) | ((((gaT * gy + gaB * fy + HALF) >>> 7) & LANES) << 8);
        const matte = p >>> 24;
        wt = W === M && matte === 255 ? 1 : (W / M) * (matte / 255);
      }
    }
    if (wt === 1) {
      // All photo: the usual inside of a face the source camera saw squarely.
      dst[d] =
        ((p & 255) * A + 0.5) |
        0 |
        ((((p >>> 8) & 255) * A + 0.5) << 8) |
        ((((p >>> 16) & 255) * A + 0.5) << 16) |
        ((A * 255 + 0.5) << 24);
      continue;
    }
    const ia = 255 / A;
    let r = (s * rL + t * rR) * ia;
    let g = (s * gL + t * gR) * ia;
    let b = (s * bL + t * bR) * ia;
    if (wt > 0) {
      r += wt * ((p & 255) - r);
      g += wt * (((p >>> 8) & 255) - g);
      b += wt * (((p >>> 16) & 255) - b);
    }
    dst[d] = pack(r, g, b, A);
  }
}

/**
 * Occlusion cell pixels [x, end) of one output row: no silhouette, taps on two surfaces (a nose
 * before a cheek). Per pixel as detailPixel: the dominant tap's surface and the other one each
 * interpolate photo coordinates within themselves, and their colours cross-fade.
 */
function occlusionCell(
  dst: Uint32Array,
  d: number,
  x: number,
  end: number,
  xWeights: Float32Array,
  wy: number,
  k: Float64Array,
  photo: Int32Array,
  pw: number,
  ph: number,
): void {
  const vy = 1 - wy;
  const AL = k[C_A] as number;
  const AR = k[C_A + 1] as number;
  const T = C_TAPS;
  const e00 = k[T + 1] as number;
  const e01 = k[T + TAP_FLOATS + 1] as number;
  const e10 = k[T + 2 * TAP_FLOATS + 1] as number;
  const e11 = k[T + 3 * TAP_FLOATS + 1] as number;
  const w00 = k[T + 2] as number;
  const w01 = k[T + TAP_FLOATS + 2] as number;
  const w10 = k[T + 2 * TAP_FLOATS + 2] as number;
  const w11 = k[T + 3 * TAP_FLOATS + 2] as number;
  const u00 = k[T + 3] as number;
  const u01 = k[T + TAP_FLOATS + 3] as number;
  const u10 = k[T + 2 * TAP_FLOATS + 3] as number;
  const u11 = k[T + 3 * TAP_FLOATS + 3] as number;
  const v00 = k[T + 4] as number;
  const v01 = k[T + TAP_FLOATS + 4] as number;
  const v10 = k[T + 2 * TAP_FLOATS + 4] as number;
  const v11 = k[T + 3 * TAP_FLOATS + 4] as number;
  for (; x < end; x++, d++) {
    const t = xWeights[x] as number;
    const s = 1 - t;
    const A = s * AL + t * AR;
    if (A < 1 / 1024) {
      dst[d] = 0;
      continue;
    }
    const ia = 255 / A;
    let r = (s * (k[C_RGB] as number) + t * (k[C_RGB + 1] as number)) * ia;
    let g = (s * (k[C_RGB + 2] as number) + t * (k[C_RGB + 3] as number)) * ia;
    let b = (s * (k[C_RGB + 4] as number) + t * (k[C_RGB + 5] as number)) * ia;
    const b00 = s * vy;
    const b01 = t * vy;
    const b10 = s * wy;
    const b11 = t * wy;
    const m00 = b00 * e00;
    const m01 = b01 * e01;
    const m10 = b10 * e10;
    const m11 = b11 * e11;
    // The dominant tap (the first of the largest) and the taps on its surface.
    let dom = 0;
    let best = m00;
    if (m01 > best) {
      best = m01;
      dom = 1;
    }
    if (m10 > best) {
      best = m10;
      dom = 2;
    }
    if (m11 > best) dom = 3;
    const grp = k[C_GROUPS + dom] as number;
    const s00 = grp & 1;
    const s01 = (grp >> 1) & 1;
    const s10 = (grp >> 2) & 1;
    const s11 = (grp >> 3) & 1;
    const mA = s00 * m00 + s01 * m01 + s10 * m10 + s11 * m11;
    if (mA > 0) {
      const mB = m00 + m01 + m10 + m11 - mA;
      const q00 = b00 * w00;
      const q01 = b01 * w01;
      const q10 = b10 * w10;
      const q11 = b11 * w11;
      const wA = s00 * q00 + s01 * q01 + s10 * q10 + s11 * q11;
      let wt = 0;
      let pr = 0;
      let pg = 0;
      let pb = 0;
      if (wA > 1e-4 * mA) {
        const p = fetchPhoto(
          photo,
          pw,
          ph,
          (s00 * q00 * u00 + s01 * q01 * u01 + s10 * q10 * u10 + s11 * q11 * u11) / wA,
          (s00 * q00 * v00 + s01 * q01 * v01 + s10 * q10 * v10 + s11 * q11 * v11) / wA,
        );
        wt = (wA / mA) * ((p >>> 24) / 255);
        pr = p & 255;
        pg = (p >>> 8) & 255;
        pb = (p >>> 16) & 255;
      }
      if (mB > 1e-6) {
        const n00 = 1 - s00;
        const n01 = 1 - s01;
        const n10 = 1 - s10;
        const n11 = 1 - s11;
        const wB = n00 * q00 + n01 * q01 + n10 * q10 + n11 * q11;
        let tB = 0;
        let qr = 0;
        let qg = 0;
        let qb = 0;
        if (wB > 1e-4 * mB) {
          const p = fetchPhoto(
            photo,
            pw,
            ph,
            (n00 * q00 * u00 + n01 * q01 * u01 + n10 * q10 * u10 + n11 * q11 * u11) / wB,
            (n00 * q00 * v00 + n01 * q01 * v01 + n10 * q10 * v10 + n11 * q11 * v11) / wB,
          );
          tB = (wB / mB) * ((p >>> 24) / 255);
          qr = p & 255;
          qg = (p >>> 8) & 255;
          qb = (p >>> 16) & 255;
        }
        const fa = mA / (mA + mB);
        // Each surface's colour is its photo colour where trusted, else the tri-plane's.
        r = fa * (r + wt * (pr - r)) + (1 - fa) * (r + tB * (qr - r));
        g = fa * (g + wt * (pg - g)) + (1 - fa) * (g + tB * (qg - g));
        b = fa * (b + wt * (pb - b)) + (1 - fa) * (b + tB * (qb - b));
      } else if (wt > 0) {
        r += wt * (pr - r);
        g += wt * (pg - g);
        b += wt * (pb - b);
      }
    }
    dst[d] = pack(r, g, b, A);
  }
}

/**
 * Output rows [outRowStart, outRowEnd) of one view into its tile of `dst` (packed RGBA8, colour
 * premultiplied over black, alpha = coverage: the same output as upsample.ts).
 *
 * Walked ray cell by ray cell (the output columns between two ray columns: 8 pixels for a flat
 * 512 view at the level calls use, 12 for a quilt view), since most cells are simple and their
 * pixels need not repeat detailPixel's general work:
 *   - empty: no tap has opacity: every pixel transparent black, no work;
 *   - silhouette (an empty and a solid tap): detailPixel per pixel (the sharpened B-spline);
 *   - interior (every tap with a surface on one surface, depths within DEPTH_EDGE): each of
 *     detailPixel's sums is bilinear in the taps, so the row's two tap columns are interpolated
 *     once and a pixel is a few lerps, a division and one photo fetch (interiorCell);
 *   - occlusion (taps on two surfaces): detailPixel's two-surface blend from the taps' values
 *     gathered once per cell row (occlusionCell).
 * Every pixel gets detailPixel's result, summed in another order (within a level or so).
 */
export function detailRows(
  lowres: Float32Array,
  lowOffset: number,
  coords: Float32Array,
  coordOffset: number,
  srcW: number,
  srcH: number,
  tex: SourceTexture | null,
  dst: Uint32Array,
  dstStride: number,
  dstX: number,
  dstY: number,
  outW: number,
  outH: number,
  outRowStart: number,
  outRowEnd: number,
  scratch: DetailScratch,
): void {
  prepareColumns(srcW, outW, scratch);
  const view: DetailView = { lowres, lowOffset, coords, coordOffset, srcW, srcH, tex };
  const gain = edgeGain(srcW, srcH, outW, outH);
  const { x0: xTaps, wx: xWeights, cell: k } = scratch;
  const l = lowOffset;
  const c = coordOffset;
  const photo = tex ? photoInts(tex.photo) : null;
  const pw = tex ? tex.width : 0;
  const ph = tex ? tex.height : 0;
  for (let y = outRowStart; y < outRowEnd; y++) {
    const { y0, y1, wy } = rowTaps(srcH, outH, y);
    const vy = 1 - wy;
    bspline(wy, scratch.by, 0);
    const rowA = y0 * srcW;
    const rowB = y1 * srcW;
    let d = (dstY + y) * dstStride + dstX;
    let x = 0;
    while (x < outW) {
      const x0 = xTaps[x] as number;
      let end = x + 1;
      while (end < outW && xTaps[end] === x0) end++;
      const xr = x0 + 1 < srcW ? x0 + 1 : x0;
      const i00 = rowA + x0;
      const i01 = rowA + xr;
      const i10 = rowB + x0;
      const i11 = rowB + xr;
      const o00 = l + 4 * i00;
      const o01 = l + 4 * i01;
      const o10 = l + 4 * i10;
      const o11 = l + 4 * i11;
      const a00 = lowres[o00 + 3] as number;
      const a01 = lowres[o01 + 3] as number;
      const a10 = lowres[o10 + 3] as number;
      const a11 = lowres[o11 + 3] as number;
      const amax = Math.max(a00, a01, a10, a11);
      if (amax < 1 / 1024) {
        // Every pixel's opacity is a convex mix of the taps': below detailPixel's cut.
        dst.fill(0, d, d + end - x);
        d += end - x;
        x = end;
        continue;
      }
      if (Math.min(a00, a01, a10, a11) < 0.05 && amax > 0.95) {
        for (; x < end; x++, d++) dst[d] = detailPixel(view, x, y0, y1, wy, gain, scratch);
        continue;
      }
      k[C_A] = vy * a00 + wy * a10;
      k[C_A + 1] = vy * a01 + wy * a11;
      for (let ch = 0; ch < 3; ch++) {
        k[C_RGB + 2 * ch] = vy * (lowres[o00 + ch] as number) + wy * (lowres[o10 + ch] as number);
        k[C_RGB + 2 * ch + 1] = vy * (lowres[o01 + ch] as number) + wy * (lowres[o11 + ch] as number);
      }
      if (!photo) {
        k[C_W] = 0;
        k[C_W + 1] = 0;
        interiorCell(dst, d, x, end, xWeights, k, null, pw, ph);
        d += end - x;
        x = end;
        continue;
      }
      const q00 = c + 4 * i00;
      const q01 = c + 4 * i01;
      const q10 = c + 4 * i10;
      const q11 = c + 4 * i11;
      const d00 = coords[q00] as number;
      const d01 = coords[q01] as number;
      const d10 = coords[q10] as number;
      const d11 = coords[q11] as number;
      // NO_SURFACE (-1) lies below every depth: out of the max by itself, kept out of the min.
      const far = Number.POSITIVE_INFINITY;
      const lo = Math.min(d00 >= 0 ? d00 : far, d01 >= 0 ? d01 : far, d10 >= 0 ? d10 : far, d11 >= 0 ? d11 : far);
      const hi = Math.max(d00, d01, d10, d11);
      const e00 = d00 >= 0 ? a00 : 0;
      const e01 = d01 >= 0 ? a01 : 0;
      const e10 = d10 >= 0 ? a10 : 0;
      const e11 = d11 >= 0 ? a11 : 0;
      if (!(hi - lo > DEPTH_EDGE)) {
        const w00 = vy * e00 * (coords[q00 + 3] as number);
        const w01 = vy * e01 * (coords[q01 + 3] as number);
        const w10 = wy * e10 * (coords[q10 + 3] as number);
        const w11 = wy * e11 * (coords[q11 + 3] as number);
        k[C_M] = vy * e00 + wy * e10;
        k[C_M + 1] = vy * e01 + wy * e11;
        k[C_W] = w00 + w10;
        k[C_W + 1] = w01 + w11;
        k[C_U] = w00 * (coords[q00 + 1] as number) + w10 * (coords[q10 + 1] as number);
        k[C_U + 1] = w01 * (coords[q01 + 1] as number) + w11 * (coords[q11 + 1] as number);
        k[C_V] = w00 * (coords[q00 + 2] as number) + w10 * (coords[q10 + 2] as number);
        k[C_V + 1] = w01 * (coords[q01 + 2] as number) + w11 * (coords[q11 + 2] as number);
        interiorCell(dst, d, x, end, xWeights, k, photo, pw, ph);
      } else {
        const taps = [q00, q01, q10, q11];
        const es = [e00, e01, e10, e11];
        const ds = [d00, d01, d10, d11];
        for (let j = 0; j < 4; j++) {
          const q = taps[j] as number;
          const o = C_TAPS + TAP_FLOATS * j;
          const e = es[j] as number;
          k[o + 1] = e;
          k[o + 2] = e * (coords[q + 3] as number);
          k[o + 3] = coords[q + 1] as number;
          k[o + 4] = coords[q + 2] as number;
          let bits = 0;
          for (let i = 0; i < 4; i++) if (Math.abs((ds[i] as number) - (ds[j] as number)) <= DEPTH_EDGE) bits |= 1 << i;
          k[C_GROUPS + j] = bits;
        }
        occlusionCell(dst, d, x, end, xWeights, wy, k, photo, pw, ph);
      }
      d += end - x;
      x = end;
    }
  }
}
