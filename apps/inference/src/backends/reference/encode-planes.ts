import { BOX_WARP } from '../../render/eg3d';
import {
  COLOR_CHANNELS,
  colorLogitFor,
  DENSITY_CHANNELS,
  PLANE_DENSITY_MAX,
  SURFACE_LEVEL,
} from '../../triplane/decoder';
import { createTriplane, PLANE, planeChannelOffset, type Triplane } from '../../triplane/layout';
import type { HeadFields } from './height-field';

/**
 * Writes a closed head { g <= z <= h } into the analytic decoder's feature space (decoder.ts)
 * as two separable bodies, united by the decoder's max:
 *
 *   channel 1, front body: f1 = A1(x,y) + B1(y,z) + C1(z,x)
 *     C1 = K (c1(x) - z)               a steep ramp in depth (zx plane)
 *     A1 = SURFACE_LEVEL - K (c1(x) - h(x,y))   puts the level set exactly at z = h (xy plane)
 *     B1 = 0 in front of the equator, steeply negative behind it: the body ends at z ≈ zc
 *   channel 0, back body: a visual hull with every plane at most PLANE_DENSITY_MAX: the
 *     silhouette (xy), a side profile z >= gb(y) cut in front of zc (yz), a top profile
 *     z >= gt(x) (zx); inside, all three sit at 1.5 (sum 4.5), each drops steeply outside.
 *
 * where c1(x) = max_y h(x, y) + margin (so A1 <= PLANE_DENSITY_MAX). The front surface is sharp
 * (the feature crosses the surface level at slope K per unit depth: about 2 cm of skin at
 * K = 300, where EG3D-style smooth fields would give 10 cm); the back is somewhat softer (its
 * density saturates at raw 125) and shaped by two profiles, which only the sides ever show.
 * Phantoms (points outside the box see one plane alone; zero padding gives the others 0):
 *   - the xy and yz planes never exceed PLANE_DENSITY_MAX: points beyond the box in x or z stay empty;
 *   - only the front body's zx ramp exceeds it, and only between its cut and its front (about
 *     z in [zc - 0.1, 0.35]): a point above or below the box (|y| > 0.5), the only kind that sees
 *     the zx plane alone, enters views there only beyond about ±30° of camera pitch.
 * Colour: logits on the xy plane (the photo seen along the source camera), plus, behind the
 * equator only, a yz-plane term that turns each row's colour, with depth, towards a back colour
 * (backColorLogits): the sides and back then change colour going back instead of repeating the
 * silhouette edge's colour along the whole depth of the head.
 */
export const DENSITY_STEEPNESS = 300;
/** How far (world z) each body overlaps the other across the equator. */
export const EQUATOR_OVERLAP = 0.01;
/** Beyond this distance behind the equator, the front body's zx ramp turns back down ... */
export const DEPTH_BAND = 0.02;
/** ... this many times as steeply as it rose (so its > 1.5 band ends a few mm behind the cut). */
const CUT_DROP = 30;
/** Margin added to c1 (subtracted from c0) beyond the minimum 0.8/K that keeps A <= 1.5. */
const C_MARGIN = 0.002;
/**
 * Floor of the xy-plane density values. Far below anything a real surface needs (a surface 1
 * world unit behind its column's ramp reference needs -K + 2.3), so it never moves a surface;
 * it only bounds the numbers.
 */
export const A_EMPTY = -2 * DENSITY_STEEPNESS;

export interface PlaneLayout {
  /** Front ramp reference c1(x) per column. */
  c1: Float32Array;
  /** 1 for columns (x) the head's silhouette reaches. */
  hasHead: Uint8Array;
  /** Back body profiles: from the side gb(y) per row, from above gt(x) per column (world z). */
  backSide: Float32Array;
  backTop: Float32Array;
}

/** Behind the equator (and its overlap), the back colour takes over within this depth (world units). */
export const BACK_COLOR_DEPTH = 0.08;
/** The back colour of a row averages the silhouette edge colours of the rows this many texels (at 256) either side. */
const BACK_COLOR_ROWS_256 = 24;

/**
 * Per row j of the xy grid, the yz colour logit offset that takes the row's silhouette edge
 * colour (the mean logit of its left and right edge texels, which is what the sides show) to a
 * back colour: the edge colours of the neighbouring rows averaged (a vertical low-pass), so the
 * back is smooth and made of the person's own side colours. Planar 3 x R; 0 for empty rows.
 */
export function backColorOffsets(fields: HeadFields, colors: Float32Array): Float32Array {
  const R = fields.resolution;
  const n = R * R;
  const edge = new Float32Array(3 * R);
  const has = new Uint8Array(R);
  const edgeRgb = new Float32Array(3 * R);
  for (let j = 0; j < R; j++) {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < R; i++) {
      if (!fields.silhouette[j * R + i]) continue;
      if (lo < 0) lo = i;
      hi = i;
    }
    if (lo < 0) continue;
    has[j] = 1;
    for (let c = 0; c < 3; c++) {
      const a = colors[c * n + j * R + lo]!;
      const b = colors[c * n + j * R + hi]!;
      edge[c * R + j] = (colorLogitFor(a) + colorLogitFor(b)) / 2;
      edgeRgb[c * R + j] = (a + b) / 2;
    }
  }
  const k = Math.max(1, Math.round((BACK_COLOR_ROWS_256 * R) / 256));
  const out = new Float32Array(3 * R);
  for (let j = 0; j < R; j++) {
    if (!has[j]) continue;
    let m = 0;
    const acc = [0, 0, 0];
    for (let q = Math.max(0, j - k); q <= Math.min(R - 1, j + k); q++) {
      if (!has[q]) continue;
      m++;
      for (let c = 0; c < 3; c++) acc[c]! += edgeRgb[c * R + q]!;
    }
    for (let c = 0; c < 3; c++) out[c * R + j] = colorLogitFor(acc[c]! / m) - edge[c * R + j]!;
  }
  return out;
}

/** Steepness (per world unit) of the back body's plane edges: 1.5 to the empty side within ~7 mm. */
export const BACK_EDGE_STEEPNESS = 300;
/** Lowest value a back-body plane takes (far outside its profile). */
const BACK_FLOOR = -20;

/** Distance (world units) from each texel centre to the nearest silhouette texel (0 inside), by a two-pass chamfer. */
function distanceOutside(mask: Uint8Array, R: number): Float32Array {
  const big = 1e9;
  const d = new Float32Array(R * R);
  for (let p = 0; p < R * R; p++) d[p] = mask[p] ? 0 : big;
  const a = 1;
  const b = Math.SQRT2;
  for (let j = 0; j < R; j++) {
    for (let i = 0; i < R; i++) {
      const p = j * R + i;
      let v = d[p]!;
      if (i > 0) v = Math.min(v, d[p - 1]! + a);
      if (j > 0) {
        v = Math.min(v, d[p - R]! + a);
        if (i > 0) v = Math.min(v, d[p - R - 1]! + b);
        if (i < R - 1) v = Math.min(v, d[p - R + 1]! + b);
      }
      d[p] = v;
    }
  }
  for (let j = R - 1; j >= 0; j--) {
    for (let i = R - 1; i >= 0; i--) {
      const p = j * R + i;
      let v = d[p]!;
      if (i < R - 1) v = Math.min(v, d[p + 1]! + a);
      if (j < R - 1) {
        v = Math.min(v, d[p + R]! + a);
        if (i < R - 1) v = Math.min(v, d[p + R + 1]! + b);
        if (i > 0) v = Math.min(v, d[p + R - 1]! + b);
      }
      d[p] = v;
    }
  }
  for (let p = 0; p < R * R; p++) d[p] = (d[p]! * BOX_WARP) / R;
  return d;
}

function texel(index: number, R: number): number {
  return ((index + 0.5) / R - 0.5) * BOX_WARP;
}

/** The per-column ramp references and back profiles for a head (see the module comment). */
export function planeLayout(fields: HeadFields): PlaneLayout {
  const R = fields.resolution;
  const K = DENSITY_STEEPNESS;
  const minGap = (SURFACE_LEVEL - PLANE_DENSITY_MAX) / K + C_MARGIN;
  const c1 = new Float32Array(R).fill(fields.zc);
  const hasHead = new Uint8Array(R);
  const backTop = new Float32Array(R).fill(fields.zc + 1);
  const backSide = new Float32Array(R).fill(fields.zc + 1);
  for (let i = 0; i < R; i++) {
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < R; j++) {
      const p = j * R + i;
      if (!fields.silhouette[p]) continue;
      hi = Math.max(hi, fields.front[p]!);
      backTop[i] = Math.min(backTop[i]!, fields.back[p]!);
      backSide[j] = Math.min(backSide[j]!, fields.back[p]!);
    }
    // Headroom for expressions that push the relief forward (a jaw moving into another column).
    if (hi > Number.NEGATIVE_INFINITY) {
      c1[i] = hi + minGap + 0.02;
      hasHead[i] = 1;
    }
  }
  return { c1, hasHead, backSide, backTop };
}

/** xy-plane density value of the front body for surface depth h in column i. */
export function frontA(layout: PlaneLayout, i: number, h: number): number {
  const a = SURFACE_LEVEL - DENSITY_STEEPNESS * ((layout.c1[i] as number) - h);
  return a > PLANE_DENSITY_MAX ? PLANE_DENSITY_MAX : Math.max(a, A_EMPTY);
}

/** A back-body plane value: 1.5 inside (distance <= 0), dropping steeply with the distance outside. */
function backEdge(distanceOutside: number): number {
  const v = PLANE_DENSITY_MAX - BACK_EDGE_STEEPNESS * distanceOutside;
  return v > PLANE_DENSITY_MAX ? PLANE_DENSITY_MAX : Math.max(v, BACK_FLOOR);
}

/**
 * Builds the source tri-plane from the head fields and per-texel colours (linear RGB in [0, 1],
 * planar 3 x R x R over the xy grid). Channels beyond 4 stay zero.
 */
export function encodeHead(fields: HeadFields, layout: PlaneLayout, colors: Float32Array, channels?: number): Triplane {
  const R = fields.resolution;
  const K = DENSITY_STEEPNESS;
  const t = createTriplane(R, channels);
  const d = t.data;
  const [d0, d1] = DENSITY_CHANNELS;
  const zc = fields.zc;
  // xy plane: A0 (the silhouette, with a steep edge from its distance field), A1 and colour.
  const a0 = planeChannelOffset(t, PLANE.xy, d0);
  const a1 = planeChannelOffset(t, PLANE.xy, d1);
  const outside = distanceOutside(fields.silhouette, R);
  for (let j = 0; j < R; j++) {
    for (let i = 0; i < R; i++) {
      const p = j * R + i;
      // Outside the silhouette the front field sits behind the equator (cut): empty, and
      // continuous with the inside so bilinear edges do not ring.
      d[a1 + p] = frontA(layout, i, fields.front[p]!);
      d[a0 + p] = backEdge(outside[p]! - 0.5 / R);
      for (let c = 0; c < 3; c++) {
        d[planeChannelOffset(t, PLANE.xy, COLOR_CHANNELS[c]!) + p] = colorLogitFor(colors[c * R * R + p]!);
      }
    }
  }
  // yz plane (u = y, v = z): the front body's cut behind the equator (a function of z only), and
  // the back body's side profile z >= gb(y), cut in front of the equator.
  const b0 = planeChannelOffset(t, PLANE.yz, d0);
  const b1 = planeChannelOffset(t, PLANE.yz, d1);
  for (let row = 0; row < R; row++) {
    const z = texel(row, R);
    const cutBack = z < zc - EQUATOR_OVERLAP ? -CUT_DROP * K * (zc - EQUATOR_OVERLAP - z) : 0;
    for (let col = 0; col < R; col++) {
      d[b1 + row * R + col] = cutBack;
      const gb = layout.backSide[col]!;
      d[b0 + row * R + col] = backEdge(Math.max(gb - z, z - (zc + EQUATOR_OVERLAP)));
    }
  }
  // yz colour: zero in front of the equator (the front keeps the photo), the back colour's
  // offset fading in behind it.
  const back = backColorOffsets(fields, colors);
  for (let row = 0; row < R; row++) {
    const s = (zc - EQUATOR_OVERLAP - texel(row, R)) / BACK_COLOR_DEPTH;
    if (s <= 0) continue;
    const wgt = s >= 1 ? 1 : s * s * (3 - 2 * s);
    for (let c = 0; c < 3; c++) {
      const o = planeChannelOffset(t, PLANE.yz, COLOR_CHANNELS[c]!);
      for (let col = 0; col < R; col++) d[o + row * R + col] = wgt * back[c * R + col]!;
    }
  }
  // zx plane (u = z, v = x): the front depth ramp, turned back down beyond the band past the cut;
  // the back body's top profile z >= gt(x).
  const c0o = planeChannelOffset(t, PLANE.zx, d0);
  const c1o = planeChannelOffset(t, PLANE.zx, d1);
  const zLo = zc - DEPTH_BAND;
  for (let row = 0; row < R; row++) {
    const ci1 = layout.c1[row]!;
    const gt = layout.backTop[row]!;
    const headColumn = layout.hasHead[row] === 1;
    for (let col = 0; col < R; col++) {
      const z = texel(col, R);
      // Columns the head never reaches hold nothing; elsewhere the ramp, dropping steeply past the cut.
      d[c1o + row * R + col] = !headColumn ? 0 : z >= zLo ? K * (ci1 - z) : K * (ci1 - zLo) - CUT_DROP * K * (zLo - z);
      d[c0o + row * R + col] = backEdge(gt - z);
    }
  }
  return t;
}
