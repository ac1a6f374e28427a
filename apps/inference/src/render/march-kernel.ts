import { DENSITY_GAIN, DENSITY_OFFSET } from '../triplane/decoder';
import {
  BOX_WARP,
  COLOR_SCALE,
  COLOR_SHIFT,
  DENSITY_ACTIVATION_BIAS,
  IMPORTANCE_WEIGHT_FLOOR,
  PDF_EPS,
  TRANSMITTANCE_EPS,
} from './eg3d';
import type { MarchSettings } from './march-settings';
import { OCCUPIED_COUNT, type Occupancy } from './occupancy';
import { PACKED_STRIDE } from './packed-planes';
import { CAM_OX, rayDirection } from './rays';

/** Rays stop once transmittance falls below this (what is left could change a pixel by < 0.26/255). */
export const DEFAULT_TERMINATION_TRANSMITTANCE = 1e-3;

/** Channels per low-resolution pixel written by the kernel: premultiplied r, g, b and opacity. */
export const KERNEL_PIXEL_CHANNELS = 4;

/**
 * The fast ray marcher: EG3D's coarse + importance sampling and MipRayMarcher2 compositing
 * with identical sample positions (so it converges to the straightforward graph's output),
 * minus the work that cannot change a pixel:
 * - rays are clipped to the occupied cells' bounding box; rays that miss it are background;
 * - a sample is decoded only when an interval it bounds touches an occupied cell (an interval
 *   between two empty samples has alpha < 5e-5 and is skipped);
 * - rays stop when transmittance drops below `terminationTransmittance`, in both passes;
 * - only the five channels the analytic decoder reads are sampled, from interleaved planes.
 * One kernel instance per thread; all scratch is allocated once here.
 */
export class MarchKernel {
  private packed: Float32Array = new Float32Array(0);
  private resolution = 0;
  private occ: Occupancy | null = null;
  private readonly maxSamples: number;
  // Per-ray scratch.
  private readonly depth: Float64Array;
  private readonly raw: Float64Array;
  private readonly red: Float64Array;
  private readonly green: Float64Array;
  private readonly blue: Float64Array;
  private readonly occFlag: Uint8Array;
  private readonly evaluated: Int32Array;
  private readonly weights: Float64Array;
  private readonly pooled: Float64Array;
  private readonly cdf: Float64Array;
  private readonly mergedSrc: Int32Array;
  private readonly dir = new Float64Array(3);
  private readonly borderAcc = new Float64Array(PACKED_STRIDE);
  private rayStamp = 0;
  /** Decoded samples since the last reset (for stats and benches). */
  samplesDecoded = 0;
  terminationTransmittance = DEFAULT_TERMINATION_TRANSMITTANCE;

  constructor(maxCoarse = 96, maxFine = 96) {
    this.maxSamples = maxCoarse + maxFine;
    const m = this.maxSamples;
    this.depth = new Float64Array(m);
    this.raw = new Float64Array(m);
    this.red = new Float64Array(m);
    this.green = new Float64Array(m);
    this.blue = new Float64Array(m);
    this.occFlag = new Uint8Array(m);
    this.evaluated = new Int32Array(m);
    this.weights = new Float64Array(maxCoarse);
    this.pooled = new Float64Array(maxCoarse + 1);
    this.cdf = new Float64Array(maxCoarse);
    this.mergedSrc = new Int32Array(m);
  }

  /** Points the kernel at one tri-plane's packed planes and occupancy grid. */
  bind(packed: Float32Array, resolution: number, occ: Occupancy): void {
    this.packed = packed;
    this.resolution = resolution;
    this.occ = occ;
  }

  /**
   * Marches rows [rowStart, rowEnd) of a view and writes premultiplied RGBA (floats in [0, 1])
   * to `out` at `outOffset + (row * width + col) * 4`; with `depthOut`, also the expected ray
   * depth premultiplied by opacity (sum of weight x interval midpoint, distance from the camera
   * along the unit ray) at `depthOffset + row * width + col` (detail.ts unprojects it).
   */
  marchRows(
    cam: Float64Array,
    camOffset: number,
    s: MarchSettings,
    rowStart: number,
    rowEnd: number,
    out: Float32Array,
    outOffset: number,
    depthOut: Float32Array | null = null,
    depthOffset = 0,
  ): void {
    const occ = this.occ;
    if (!occ) throw new Error('MarchKernel used before bind()');
    if (s.coarseSamples + s.fineSamples > this.maxSamples || s.coarseSamples > this.weights.length) {
      throw new RangeError('march settings exceed the kernel scratch size');
    }
    const ox = cam[camOffset + CAM_OX] as number;
    const oy = cam[camOffset + CAM_OX + 1] as number;
    const oz = cam[camOffset + CAM_OX + 2] as number;
    const b = occ.bounds;
    const dir = this.dir;
    for (let row = rowStart; row < rowEnd; row++) {
      for (let col = 0; col < s.width; col++) {
        // Each pixel is written once, with its final value: bands of a view march one shared row
        // twice (see render-job.ts), and a transient value could be read by the other band.
        const o = outOffset + (row * s.width + col) * 4;
        const od = depthOffset + row * s.width + col;
        if (b[OCCUPIED_COUNT] === 0) {
          writeBackground(out, o, depthOut, od);
          continue;
        }
        rayDirection(cam, camOffset, s.width, s.height, row, col, dir);
        const dx = dir[0] as number;
        const dy = dir[1] as number;
        const dz = dir[2] as number;
        // Slab test against the occupied bounds (infinite sides never clip).
        slabT[0] = s.rayStart;
        slabT[1] = s.rayEnd;
        slab(b[0] as number, b[3] as number, ox, dx);
        slab(b[1] as number, b[4] as number, oy, dy);
        slab(b[2] as number, b[5] as number, oz, dz);
        const t0 = slabT[0] as number;
        const t1 = slabT[1] as number;
        if (t0 > t1) {
          writeBackground(out, o, depthOut, od);
          continue;
        }
        const d = this.marchRay(ox, oy, oz, dx, dy, dz, t0, t1, s, out, o);
        if (depthOut) depthOut[od] = d;
      }
    }
  }

  private marchRay(
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    tIn: number,
    tOut: number,
    s: MarchSettings,
    out: Float32Array,
    o: number,
  ): number {
    const S = s.coarseSamples;
    const N = s.fineSamples;
    const step = (s.rayEnd - s.rayStart) / (S - 1);
    const depth = this.depth;
    const raw = this.raw;
    const red = this.red;
    const green = this.green;
    const blue = this.blue;
    const occFlag = this.occFlag;
    const evaluated = this.evaluated;
    const stamp = ++this.rayStamp;
    const eps = this.terminationTransmittance;

    // Coarse samples: fixed depths; occupancy only inside [tIn, tOut].
    const firstIn = Math.max(0, Math.ceil((tIn - s.rayStart) / step));
    const lastIn = Math.min(S - 1, Math.floor((tOut - s.rayStart) / step));
    for (let k = 0; k < S; k++) {
      const t = s.rayStart + k * step;
      depth[k] = t;
      occFlag[k] = k >= firstIn && k <= lastIn ? this.occupiedAt(ox + t * dx, oy + t * dy, oz + t * dz) : 0;
    }
    const weights = this.weights;
    let transmittance = 1;
    for (let k = 0; k < S - 1; k++) {
      weights[k] = 0;
      if (transmittance < eps || ((occFlag[k] as number) | (occFlag[k + 1] as number)) === 0) continue;
      if (evaluated[k] !== stamp) this.decode(ox, oy, oz, dx, dy, dz, depth[k] as number, k, stamp);
      if (evaluated[k + 1] !== stamp) this.decode(ox, oy, oz, dx, dy, dz, depth[k + 1] as number, k + 1, stamp);
      const alpha = intervalAlpha(raw[k] as number, raw[k + 1] as number, step);
      weights[k] = alpha * transmittance;
      transmittance *= 1 - alpha + TRANSMITTANCE_EPS;
    }

    let M = S;
    const src = this.mergedSrc;
    if (N > 0) {
      this.importanceDepths(S, N, step, s.rayStart);
      // Merge the sorted coarse depths [0, S) with the sorted fine depths [S, S + N).
      M = S + N;
      let i = 0;
      let j = S;
      for (let m = 0; m < M; m++) {
        if (j >= M || (i < S && (depth[i] as number) <= (depth[j] as number))) src[m] = i++;
        else src[m] = j++;
      }
      for (let j2 = S; j2 < M; j2++) {
        const t = depth[j2] as number;
        occFlag[j2] = t >= tIn && t <= tOut ? this.occupiedAt(ox + t * dx, oy + t * dy, oz + t * dz) : 0;
      }
    } else {
      for (let m = 0; m < S; m++) src[m] = m;
    }

    // Final compositing over the merged samples.
    transmittance = 1;
    let r = 0;
    let g = 0;
    let bl = 0;
    let acc = 0;
    let td = 0;
    for (let m = 0; m < M - 1; m++) {
      const a = src[m] as number;
      const c = src[m + 1] as number;
      if (((occFlag[a] as number) | (occFlag[c] as number)) === 0) continue;
      if (evaluated[a] !== stamp) this.decode(ox, oy, oz, dx, dy, dz, depth[a] as number, a, stamp);
      if (evaluated[c] !== stamp) this.decode(ox, oy, oz, dx, dy, dz, depth[c] as number, c, stamp);
      const alpha = intervalAlpha(raw[a] as number, raw[c] as number, (depth[c] as number) - (depth[a] as number));
      const w = alpha * transmittance;
      r += w * 0.5 * ((red[a] as number) + (red[c] as number));
      g += w * 0.5 * ((green[a] as number) + (green[c] as number));
      bl += w * 0.5 * ((blue[a] as number) + (blue[c] as number));
      acc += w;
      td += w * 0.5 * ((depth[a] as number) + (depth[c] as number));
      transmittance *= 1 - alpha + TRANSMITTANCE_EPS;
      if (transmittance < eps) break;
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = bl;
    out[o + 3] = acc;
    return td;
  }

  /** EG3D sample_importance + sample_pdf(det=True); writes fine depths to depth[S..S+N). */
  private importanceDepths(S: number, N: number, step: number, start: number): void {
    const depth = this.depth;
    const w = this.weights;
    const pooled = this.pooled;
    const cdf = this.cdf;
    const last = S - 3; // EG3D's N_samples_: the pdf uses pooled weights [1, S-2)
    // pooled[j] for j in [0, S-1): avg of max-pooled neighbours, plus the floor.
    let prevMax = w[0] as number; // max_pool with -inf padding: m_0 = w_0
    for (let j = 0; j < S - 1; j++) {
      const wj1 = j + 1 < S - 1 ? (w[j + 1] as number) : Number.NEGATIVE_INFINITY;
      const wj = w[j] as number;
      const nextMax = Math.max(wj, wj1); // m_{j+1} = max(w_j, w_{j+1})
      pooled[j] = 0.5 * (prevMax + nextMax) + IMPORTANCE_WEIGHT_FLOOR;
      prevMax = nextMax;
    }
    let total = 0;
    for (let j = 1; j < S - 2; j++) total += (pooled[j] as number) + PDF_EPS;
    cdf[0] = 0;
    let run = 0;
    for (let j = 1; j < S - 2; j++) {
      run += ((pooled[j] as number) + PDF_EPS) / total;
      cdf[j] = run;
    }
    // Deterministic u = linspace(0, 1, N); both u and cdf ascend, so searchsorted is a walk.
    let inds = 0;
    const cdfLen = S - 2;
    for (let j = 0; j < N; j++) {
      const u = N === 1 ? 0 : j / (N - 1);
      while (inds < cdfLen && (cdf[inds] as number) <= u) inds++;
      const below = Math.max(inds - 1, 0);
      const above = Math.min(inds, last);
      const cb = cdf[below] as number;
      let denom = (cdf[above] as number) - cb;
      if (denom < PDF_EPS) denom = 1;
      // bins[k] = midpoint of coarse depths k and k+1.
      const binBelow = start + (below + 0.5) * step;
      const binAbove = start + (above + 0.5) * step;
      depth[S + j] = binBelow + ((u - cb) / denom) * (binAbove - binBelow);
    }
  }

  private occupiedAt(x: number, y: number, z: number): number {
    const occ = this.occ as Occupancy;
    const n = occ.cells;
    const scale = n / (2 * occ.extent);
    let ix = Math.floor((x + occ.extent) * scale);
    let iy = Math.floor((y + occ.extent) * scale);
    let iz = Math.floor((z + occ.extent) * scale);
    ix = ix < 0 ? 0 : ix >= n ? n - 1 : ix;
    iy = iy < 0 ? 0 : iy >= n ? n - 1 : iy;
    iz = iz < 0 ? 0 : iz >= n ? n - 1 : iz;
    return occ.grid[(iz * n + iy) * n + ix] as number;
  }

  /** Samples the three planes at depth t and decodes raw density and colour into slot i. */
  private decode(
    ox: number,
    oy: number,
    oz: number,
    dx: number,
    dy: number,
    dz: number,
    t: number,
    i: number,
    stamp: number,
  ): void {
    this.samplesDecoded++;
    const R = this.resolution;
    const P = this.packed;
    // World coordinate -> texel coordinate (GridSample align_corners=False, box of side BOX_WARP).
    const scale = R / BOX_WARP;
    const shift = R * 0.5 - 0.5;
    const sx = (ox + t * dx) * scale + shift;
    const sy = (oy + t * dy) * scale + shift;
    const sz = (oz + t * dz) * scale + shift;
    const rowStride = R * PACKED_STRIDE;
    const area = R * rowStride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    for (let p = 0; p < 3; p++) {
      // xy: (x, y); yz: (y, z); zx: (z, x).
      const su = p === 0 ? sx : p === 1 ? sy : sz;
      const sv = p === 0 ? sy : p === 1 ? sz : sx;
      const x0 = Math.floor(su);
      const y0 = Math.floor(sv);
      const fx = su - x0;
      const fy = sv - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < R - 1 && y0 < R - 1) {
        const i00 = p * area + y0 * rowStride + x0 * PACKED_STRIDE;
        const i01 = i00 + PACKED_STRIDE;
        const i10 = i00 + rowStride;
        const i11 = i10 + PACKED_STRIDE;
        const gx = 1 - fx;
        const gy = 1 - fy;
        const w00 = gx * gy;
        const w01 = fx * gy;
        const w10 = gx * fy;
        const w11 = fx * fy;
        a0 += w00 * (P[i00] as number) + w01 * (P[i01] as number) + w10 * (P[i10] as number) + w11 * (P[i11] as number);
        a1 +=
          w00 * (P[i00 + 1] as number) +
          w01 * (P[i01 + 1] as number) +
          w10 * (P[i10 + 1] as number) +
          w11 * (P[i11 + 1] as number);
        a2 +=
          w00 * (P[i00 + 2] as number) +
          w01 * (P[i01 + 2] as number) +
          w10 * (P[i10 + 2] as number) +
          w11 * (P[i11 + 2] as number);
        a3 +=
          w00 * (P[i00 + 3] as number) +
          w01 * (P[i01 + 3] as number) +
          w10 * (P[i10 + 3] as number) +
          w11 * (P[i11 + 3] as number);
        a4 +=
          w00 * (P[i00 + 4] as number) +
          w01 * (P[i01 + 4] as number) +
          w10 * (P[i10 + 4] as number) +
          w11 * (P[i11 + 4] as number);
      } else {
        const acc = this.borderAcc;
        borderTap(P, R, p * area, x0, y0, fx, fy, acc);
        a0 += acc[0] as number;
        a1 += acc[1] as number;
        a2 += acc[2] as number;
        a3 += acc[3] as number;
        a4 += acc[4] as number;
      }
    }
    const f = Math.max(a0, a1);
    this.raw[i] = DENSITY_GAIN * (f + DENSITY_OFFSET);
    this.red[i] = COLOR_SCALE / (1 + Math.exp(-a2)) + COLOR_SHIFT;
    this.green[i] = COLOR_SCALE / (1 + Math.exp(-a3)) + COLOR_SHIFT;
    this.blue[i] = COLOR_SCALE / (1 + Math.exp(-a4)) + COLOR_SHIFT;
    this.evaluated[i] = stamp;
  }
}

/** A bilinear tap near the plane's edge: taps outside the plane read as zero (GridSample zero padding). */
function borderTap(
  P: Float32Array,
  R: number,
  base: number,
  x0: number,
  y0: number,
  fx: number,
  fy: number,
  acc: Float64Array,
): void {
  acc.fill(0);
  for (let dyi = 0; dyi < 2; dyi++) {
    const y = y0 + dyi;
    if (y < 0 || y >= R) continue;
    const wy = dyi === 0 ? 1 - fy : fy;
    for (let dxi = 0; dxi < 2; dxi++) {
      const x = x0 + dxi;
      if (x < 0 || x >= R) continue;
      const w = wy * (dxi === 0 ? 1 - fx : fx);
      const i = base + (y * R + x) * PACKED_STRIDE;
      for (let c = 0; c < PACKED_STRIDE; c++) acc[c]! += w * (P[i + c] as number);
    }
  }
}

function writeBackground(out: Float32Array, o: number, depthOut: Float32Array | null, od: number): void {
  out[o] = 0;
  out[o + 1] = 0;
  out[o + 2] = 0;
  out[o + 3] = 0;
  if (depthOut) depthOut[od] = 0;
}

/** [t0, t1] of the slab test in progress (a typed array: module-level doubles would be boxed). */
const slabT = new Float64Array(2);

/** Narrows slabT to where the ray o + t d lies within [lo, hi] on one axis. */
function slab(lo: number, hi: number, o: number, d: number): void {
  if (d === 0) {
    if (o < lo || o > hi) slabT[1] = -1;
    return;
  }
  let ta = (lo - o) / d;
  let tb = (hi - o) / d;
  if (ta > tb) {
    const tmp = ta;
    ta = tb;
    tb = tmp;
  }
  if (ta > (slabT[0] as number)) slabT[0] = ta;
  if (tb < (slabT[1] as number)) slabT[1] = tb;
}

/** alpha of one MipRayMarcher2 interval from its endpoints' raw densities. */
function intervalAlpha(rawA: number, rawB: number, delta: number): number {
  const x = 0.5 * (rawA + rawB) + DENSITY_ACTIVATION_BIAS;
  const density = x > 20 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
  return 1 - Math.exp(-density * delta);
}
