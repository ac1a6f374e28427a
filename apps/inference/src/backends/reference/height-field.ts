import { FACE_OVAL_LOOP, MESH_LANDMARK_COUNT, rasterizeTriangles, triangulate } from '@holocall/face';
import { BOX_WARP } from '../../render/eg3d';
import { projectPoint } from './camera-math';
import type { HeadMatte } from './person-matte';
import type { WorldFace } from './world-face';

/**
 * The head as two height fields over the tri-plane's xy grid (world x, y at texel centres):
 *
 *   front h(x, y): the face relief where the landmarks are (their world depths, interpolated
 *     over a Delaunay triangulation of the 468 mesh points), and elsewhere inside the head's
 *     silhouette a dome that meets the face smoothly and the silhouette edge vertically;
 *   back g(x, y): a rounded cap behind, deeper than wide (a head is longer than it is broad).
 *
 * Both meet on the "equator" plane z = zc, just behind the face's outline (the landmarks at the
 * ears), so the closed head is { g <= z <= h } over the silhouette.
 *
 * The dome and the cap solve Poisson's equation Δu = -4 for u = (h - zc)^2 (resp. ((zc - g)/β)^2):
 * a sphere of any radius satisfies it exactly, so the solution is sphere-like wherever the
 * boundary allows, with u = 0 (the surfaces reach zc) on the silhouette edge and, for the front,
 * u fixed to the face relief inside the face oval.
 */
export interface HeadFields {
  resolution: number;
  /** Equator depth (world z). */
  zc: number;
  /** 1 inside the head's frontal silhouette. */
  silhouette: Uint8Array;
  /** 1 inside the face oval (where the landmark relief holds). */
  face: Uint8Array;
  /** Front and back surface depth per texel (world z); outside the silhouette, just past zc. */
  front: Float32Array;
  back: Float32Array;
}

/** Equator this far (world units) behind the shallowest face-outline landmark. */
export const EQUATOR_MARGIN = 0.012;
/** Back of the head: depth behind the equator = BACK_DEPTH_RATIO x the sphere the silhouette implies. */
export const BACK_DEPTH_RATIO = 1.25;
/**
 * ... and at most this times the silhouette row's half width, so a row's cross-section stays
 * round: without it the neck, joined to the wide skull above, would come out as deep as the skull.
 */
export const BACK_DEPTH_PER_HALF_WIDTH = 1.3;
/** Depth outside the silhouette (beyond the equator on the wrong side, so nothing is solid there). */
export const OUTSIDE_DEPTH = 0.05;
const POISSON_ITERATIONS = 600;
const SOR_OMEGA = 1.9;

export function texelCenter(index: number, resolution: number): number {
  return ((index + 0.5) / resolution - 0.5) * BOX_WARP;
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

/** Bilinear sample of a matte at continuous pixel coordinates (0 outside). */
function sampleMatte(m: HeadMatte, x: number, y: number): number {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const at = (i: number, j: number) =>
    i < 0 || j < 0 || i >= m.width || j >= m.height ? 0 : m.alpha[j * m.width + i]!;
  return (
    (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) +
    (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay
  );
}

/** Solves Δu = -4·scale² on `free` cells (SOR); other cells keep their values (Dirichlet). */
function solvePoisson(u: Float64Array, free: Uint8Array, R: number, scale: number): void {
  const d = BOX_WARP / R;
  const rhs = 4 * scale * scale * d * d;
  for (let it = 0; it < POISSON_ITERATIONS; it++) {
    for (let j = 1; j < R - 1; j++) {
      for (let i = 1; i < R - 1; i++) {
        const p = j * R + i;
        if (!free[p]) continue;
        const gs = (u[p - 1]! + u[p + 1]! + u[p - R]! + u[p + R]! + rhs) / 4;
        u[p] = u[p]! + SOR_OMEGA * (gs - u[p]!);
      }
    }
  }
}

export function headFields(face: WorldFace, matte: HeadMatte, resolution: number): HeadFields {
  const R = resolution;
  const n = R * R;
  const w = face.world;
  // Equator: just behind the face outline's shallowest point (ears / jaw corners).
  let outlineMin = Number.POSITIVE_INFINITY;
  for (const i of FACE_OVAL_LOOP) outlineMin = Math.min(outlineMin, w[3 * i + 2]!);
  const zc = outlineMin - EQUATOR_MARGIN;

  // Silhouette: the matte seen through the source camera at the equator depth.
  const silhouette = new Uint8Array(n);
  const tmp = new Float64Array(3);
  for (let j = 0; j < R; j++) {
    const y = texelCenter(j, R);
    for (let i = 0; i < R; i++) {
      projectPoint(face.pinhole, texelCenter(i, R), y, zc, tmp);
      if (sampleMatte(matte, tmp[0]!, tmp[1]!) > 0.5) silhouette[j * R + i] = 1;
    }
  }
  // Keep a one-texel empty border so the Poisson boundary is always zero.
  for (let k = 0; k < R; k++) {
    silhouette[k] = 0;
    silhouette[(R - 1) * R + k] = 0;
    silhouette[k * R] = 0;
    silhouette[k * R + R - 1] = 0;
  }

  // Face relief: landmark depths over a Delaunay triangulation, in grid coordinates.
  const gridXY = new Float64Array(MESH_LANDMARK_COUNT * 2);
  for (let i = 0; i < MESH_LANDMARK_COUNT; i++) {
    gridXY[2 * i] = (w[3 * i]! / BOX_WARP + 0.5) * R;
    gridXY[2 * i + 1] = (w[3 * i + 1]! / BOX_WARP + 0.5) * R;
  }
  const tri = triangulate(gridXY);
  const { triangle, weights } = rasterizeTriangles(gridXY, tri, R, R);
  const ovalX = FACE_OVAL_LOOP.map((i) => gridXY[2 * i]!);
  const ovalY = FACE_OVAL_LOOP.map((i) => gridXY[2 * i + 1]!);
  const faceMask = new Uint8Array(n);
  const u = new Float64Array(n);
  const free = new Uint8Array(n);
  const t = tri.triangles;
  for (let j = 0; j < R; j++) {
    for (let i = 0; i < R; i++) {
      const p = j * R + i;
      const k = triangle[p]!;
      if (k >= 0 && insidePolygon(i + 0.5, j + 0.5, ovalX, ovalY)) {
        const z =
          weights[3 * p]! * w[3 * t[3 * k]! + 2]! +
          weights[3 * p + 1]! * w[3 * t[3 * k + 1]! + 2]! +
          weights[3 * p + 2]! * w[3 * t[3 * k + 2]! + 2]!;
        faceMask[p] = 1;
        silhouette[p] = 1;
        u[p] = Math.max(0, z - zc) ** 2;
      } else if (silhouette[p]) {
        free[p] = 1;
      }
    }
  }
  solvePoisson(u, free, R, 1);

  const back = new Float64Array(n);
  const freeBack = Uint8Array.from(silhouette);
  solvePoisson(back, freeBack, R, 1);

  // Half width of each silhouette row (its span around its own centre).
  const halfWidth = new Float64Array(R);
  for (let j = 0; j < R; j++) {
    let lo = R;
    let hi = -1;
    for (let i = 0; i < R; i++) {
      if (silhouette[j * R + i]) {
        lo = Math.min(lo, i);
        hi = Math.max(hi, i);
      }
    }
    halfWidth[j] = hi >= lo ? ((hi - lo + 1) / 2) * (BOX_WARP / R) : 0;
  }
  const front = new Float32Array(n);
  const backOut = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (silhouette[p]) {
      front[p] = zc + Math.sqrt(Math.max(0, u[p]!));
      const depth = BACK_DEPTH_RATIO * Math.sqrt(Math.max(0, back[p]!));
      backOut[p] = zc - Math.min(depth, BACK_DEPTH_PER_HALF_WIDTH * halfWidth[Math.floor(p / R)]!);
    } else {
      front[p] = zc - OUTSIDE_DEPTH;
      backOut[p] = zc + OUTSIDE_DEPTH;
    }
  }
  return { resolution: R, zc, silhouette, face: faceMask, front, back: backOut };
}
