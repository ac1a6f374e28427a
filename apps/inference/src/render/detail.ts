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

/** The colour groupPhoto sampled (r, g, b in [0, 1]). */
const sampled = new Float64Array(3);

/**
 * The photo as one group of taps sees it (m: the taps' weights within the group, summing to m):
 * interpolated coordinates over the taps that have them, the photo sampled bilinear there into
 * `sampled`; returns the trust weight (the group's mean ray weight x the matte at the sample).
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
  photo: Uint32Array,
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
  // Bilinear photo tap (pixel centres at +0.5), clamped to the image.
  let px = u - 0.5;
  let py = v - 0.5;
  px = px < 0 ? 0 : Math.min(px, pw - 1);
  py = py < 0 ? 0 : Math.min(py, ph - 1);
  const qx = Math.min(pw - 2, px | 0);
  const qy = Math.min(ph - 2, py | 0);
  const ax = px - qx;
  const ay = py - qy;
  const p0 = qy * pw + qx;
  const c00 = photo[p0] as number;
  const c01 = photo[p0 + 1] as number;
  const c10 = photo[p0 + pw] as number;
  const c11 = photo[p0 + pw + 1] as number;
  const f00 = (1 - ax) * (1 - ay);
  const f01 = ax * (1 - ay);
  const f10 = (1 - ax) * ay;
  const f11 = ax * ay;
  const k = 1 / 255;
  sampled[0] = (f00 * (c00 & 255) + f01 * (c01 & 255) + f10 * (c10 & 255) + f11 * (c11 & 255)) * k;
  sampled[1] =
    (f00 * ((c00 >>> 8) & 255) + f01 * ((c01 >>> 8) & 255) + f10 * ((c10 >>> 8) & 255) + f11 * ((c11 >>> 8) & 255)) * k;
  sampled[2] =
    (f00 * ((c00 >>> 16) & 255) +
      f01 * ((c01 >>> 16) & 255) +
      f10 * ((c10 >>> 16) & 255) +
      f11 * ((c11 >>> 16) & 255)) *
    k;
  const matte = (f00 * (c00 >>> 24) + f01 * (c01 >>> 24) + f10 * (c10 >>> 24) + f11 * (c11 >>> 24)) * k;
  return (wsum / m) * matte;
}

/** Scratch for one thread's detail pass (sized for the widest tile). */
export interface DetailScratch {
  x0: Int32Array;
  wx: Float32Array;
  /** Cubic B-spline weights per output column, 4 per column (taps x0 - 1 .. x0 + 2). */
  bx: Float32Array;
}

export function createDetailScratch(maxWidth = 4096): DetailScratch {
  return { x0: new Int32Array(maxWidth), wx: new Float32Array(maxWidth), bx: new Float32Array(maxWidth * 4) };
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

/**
 * Output rows [outRowStart, outRowEnd) of one view into its tile of `dst` (packed RGBA8, colour
 * premultiplied over black, alpha = coverage: the same output as upsample.ts).
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
  const { x0: xTaps, wx: xWeights, bx } = scratch;
  const sx = srcW / outW;
  const sy = srcH / outH;
  for (let x = 0; x < outW; x++) {
    let fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    let x0 = Math.floor(fx);
    if (x0 > srcW - 1) x0 = srcW - 1;
    xTaps[x] = x0;
    const t = x0 >= srcW - 1 ? 0 : fx - x0;
    xWeights[x] = t;
    bspline(t, bx, 4 * x);
  }
  const scale = Math.max(1 / sx, 1 / sy);
  const gain = Math.max(1, scale / (BSPLINE_STEP_SLOPE * EDGE_WIDTH_PX));
  const byw = new Float32Array(4);
  const photo = tex ? tex.photo : null;
  const pw = tex ? tex.width : 0;
  const ph = tex ? tex.height : 0;
  for (let y = outRowStart; y < outRowEnd; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    let y0 = Math.floor(fy);
    if (y0 > srcH - 1) y0 = srcH - 1;
    const wy = y0 >= srcH - 1 ? 0 : fy - y0;
    const y1 = y0 >= srcH - 1 ? y0 : y0 + 1;
    bspline(wy, byw, 0);
    const rowA = y0 * srcW;
    const rowB = y1 * srcW;
    let d = (dstY + y) * dstStride + dstX;
    for (let x = 0; x < outW; x++, d++) {
      const x0 = xTaps[x] as number;
      const wx = xWeights[x] as number;
      const x1 = wx === 0 ? x0 : x0 + 1;
      const i00 = rowA + x0;
      const i01 = rowA + x1;
      const i10 = rowB + x0;
      const i11 = rowB + x1;
      const b00 = (1 - wx) * (1 - wy);
      const b01 = wx * (1 - wy);
      const b10 = (1 - wx) * wy;
      const b11 = wx * wy;
      const l = lowOffset;
      const a00 = lowres[l + 4 * i00 + 3] as number;
      const a01 = lowres[l + 4 * i01 + 3] as number;
      const a10 = lowres[l + 4 * i10 + 3] as number;
      const a11 = lowres[l + 4 * i11 + 3] as number;
      const A = b00 * a00 + b01 * a01 + b10 * a10 + b11 * a11;
      if (A < 1 / 1024) {
        dst[d] = 0;
        continue;
      }
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
          B += (byw[ky] as number) * acc;
        }
        cover = 0.5 + (B - 0.5) * gain;
        cover = cover < 0 ? 0 : Math.min(cover, 1);
      }
      if (photo) {
        // Taps of the dominant tap's surface (A) and of any other surface (B) behind or in front
        // of it: each group's photo coordinates are interpolated within the group only, and the
        // two groups' colours cross-fade by their share of the bilinear weight (an occlusion edge
        // is a soft blend across one ray cell, not a hard edge along the ray grid).
        const c = coordOffset;
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
          let wt = groupPhoto(
            coords,
            c,
            i00,
            i01,
            i10,
            i11,
            s00 * m00,
            s01 * m01,
            s10 * m10,
            s11 * m11,
            mA,
            photo,
            pw,
            ph,
          );
          let pr = sampled[0] as number;
          let pg = sampled[1] as number;
          let pb = sampled[2] as number;
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
            pr = fa * (r + wt * (pr - r)) + (1 - fa) * (r + wB * ((sampled[0] as number) - r));
            pg = fa * (g + wt * (pg - g)) + (1 - fa) * (g + wB * ((sampled[1] as number) - g));
            pb = fa * (b + wt * (pb - b)) + (1 - fa) * (b + wB * ((sampled[2] as number) - b));
            wt = 1;
          }
          if (wt > 0) {
            r += wt * (pr - r);
            g += wt * (pg - g);
            b += wt * (pb - b);
          }
        }
      }
      const k = cover * 255;
      let R8 = r * k + 0.5;
      let G8 = g * k + 0.5;
      let B8 = b * k + 0.5;
      R8 = R8 < 0 ? 0 : Math.min(R8, 255);
      G8 = G8 < 0 ? 0 : Math.min(G8, 255);
      B8 = B8 < 0 ? 0 : Math.min(B8, 255);
      dst[d] = R8 | 0 | ((G8 | 0) << 8) | ((B8 | 0) << 16) | (((k + 0.5) | 0) << 24);
    }
  }
}
