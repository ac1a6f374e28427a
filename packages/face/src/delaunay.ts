/**
 * 2D Delaunay triangulation (Bowyer–Watson) of a few hundred points, for turning sparse
 * landmarks into dense fields (depth under the face, displacement of an expression) by
 * barycentric interpolation. O(n²) worst case: fine for 478 points, done once per face.
 */
import { HolocallError } from '@holocall/protocol';

export interface Triangulation {
  /** Flat vertex indices, three per triangle, counter-clockwise in (x, y). */
  triangles: Uint32Array;
}

/** Most points triangulate() accepts (its cost grows with the square). */
export const MAX_TRIANGULATION_POINTS = 4096;

/** `xy` is flat [x0, y0, x1, y1, ...]. Duplicate points are kept out of the triangulation. */
export function triangulate(xy: ArrayLike<number>): Triangulation {
  const n = Math.floor(xy.length / 2);
  if (n < 3) return { triangles: new Uint32Array(0) };
  if (n > MAX_TRIANGULATION_POINTS) throw HolocallError.tooLarge('triangulation points', MAX_TRIANGULATION_POINTS, n);
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i] as number;
    const y = xy[2 * i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y))
      throw HolocallError.badRequest('triangulate: non-finite point', { index: i });
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const midX = (minX + maxX) / 2;
  const midY = (minY + maxY) / 2;
  // Points: input, then the super-triangle's three corners.
  const px = new Float64Array(n + 3);
  const py = new Float64Array(n + 3);
  for (let i = 0; i < n; i++) {
    px[i] = xy[2 * i] as number;
    py[i] = xy[2 * i + 1] as number;
  }
  px[n] = midX - 20 * span;
  py[n] = midY - span;
  px[n + 1] = midX + 20 * span;
  py[n + 1] = midY - span;
  px[n + 2] = midX;
  py[n + 2] = midY + 20 * span;

  type Tri = { a: number; b: number; c: number; cx: number; cy: number; r2: number };
  const make = (a: number, b: number, c: number): Tri => {
    // Counter-clockwise order, then the circumcircle.
    const cross = (px[b]! - px[a]!) * (py[c]! - py[a]!) - (py[b]! - py[a]!) * (px[c]! - px[a]!);
    if (cross < 0) [b, c] = [c, b];
    const ax = px[a]!;
    const ay = py[a]!;
    const bx = px[b]! - ax;
    const by = py[b]! - ay;
    const cx = px[c]! - ax;
    const cy = py[c]! - ay;
    const d = 2 * (bx * cy - by * cx);
    const b2 = bx * bx + by * by;
    const c2 = cx * cx + cy * cy;
    const ux = (cy * b2 - by * c2) / d;
    const uy = (bx * c2 - cx * b2) / d;
    return { a, b, c, cx: ax + ux, cy: ay + uy, r2: ux * ux + uy * uy };
  };
  let tris: Tri[] = [make(n, n + 1, n + 2)];
  const eps = 1e-12 * span * span;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const key = `${px[i]},${py[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const x = px[i]!;
    const y = py[i]!;
    const bad: Tri[] = [];
    const keep: Tri[] = [];
    for (const t of tris) {
      const dx = x - t.cx;
      const dy = y - t.cy;
      if (dx * dx + dy * dy < t.r2 - eps) bad.push(t);
      else keep.push(t);
    }
    // Boundary of the cavity: edges used by exactly one bad triangle.
    const edges = new Map<string, [number, number]>();
    for (const t of bad) {
      for (const [u, v] of [
        [t.a, t.b],
        [t.b, t.c],
        [t.c, t.a],
      ] as const) {
        const k = u < v ? `${u}:${v}` : `${v}:${u}`;
        if (edges.has(k)) edges.delete(k);
        else edges.set(k, [u, v]);
      }
    }
    for (const [u, v] of edges.values()) keep.push(make(u, v, i));
    tris = keep;
  }
  const out: number[] = [];
  for (const t of tris) if (t.a < n && t.b < n && t.c < n) out.push(t.a, t.b, t.c);
  return { triangles: Uint32Array.from(out) };
}

/**
 * Rasterises a triangulation onto a grid: for each cell centre inside some triangle, the
 * triangle's index and barycentric weights. `toGrid` maps a point to continuous grid coordinates
 * (cell (i, j) spans [i, i+1) x [j, j+1); its centre is (i + 0.5, j + 0.5)).
 * Returns triangle index per cell (-1 outside) and three weights per cell.
 */
export function rasterizeTriangles(
  xy: ArrayLike<number>,
  tri: Triangulation,
  width: number,
  height: number,
): { triangle: Int32Array; weights: Float32Array } {
  const triangle = new Int32Array(width * height).fill(-1);
  const weights = new Float32Array(width * height * 3);
  const t = tri.triangles;
  for (let k = 0; k < t.length / 3; k++) {
    const a = t[3 * k]!;
    const b = t[3 * k + 1]!;
    const c = t[3 * k + 2]!;
    const ax = xy[2 * a] as number;
    const ay = xy[2 * a + 1] as number;
    const bx = xy[2 * b] as number;
    const by = xy[2 * b + 1] as number;
    const cx = xy[2 * c] as number;
    const cy = xy[2 * c + 1] as number;
    const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
    if (Math.abs(det) < 1e-12) continue;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx) - 0.5));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx) - 0.5));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy) - 0.5));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy) - 0.5));
    for (let j = y0; j <= y1; j++) {
      const py = j + 0.5;
      for (let i = x0; i <= x1; i++) {
        const px = i + 0.5;
        const w0 = ((by - cy) * (px - cx) + (cx - bx) * (py - cy)) / det;
        const w1 = ((cy - ay) * (px - cx) + (ax - cx) * (py - cy)) / det;
        const w2 = 1 - w0 - w1;
        if (w0 < -1e-9 || w1 < -1e-9 || w2 < -1e-9) continue;
        const cell = j * width + i;
        triangle[cell] = k;
        weights[3 * cell] = w0;
        weights[3 * cell + 1] = w1;
        weights[3 * cell + 2] = w2;
      }
    }
  }
  return { triangle, weights };
}
