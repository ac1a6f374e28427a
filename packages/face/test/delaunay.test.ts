import { describe, expect, it } from 'vitest';
import { MAX_TRIANGULATION_POINTS, REFERENCE_FACE, rasterizeTriangles, triangulate } from '../src/index';

describe('triangulate', () => {
  it('triangulates a jittered grid completely (Euler: T = 2N - 2 - h) with empty circumcircles', () => {
    const n = 6;
    const xy: number[] = [];
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) xy.push(i + 0.01 * Math.sin(i * 7 + j), j + 0.01 * Math.cos(i * 3 + j * 5));
    const { triangles } = triangulate(xy);
    const edgeUse = new Map<string, number>();
    const used = new Set<number>();
    for (let k = 0; k < triangles.length; k += 3) {
      for (let e = 0; e < 3; e++) {
        const u = triangles[k + e]!;
        const v = triangles[k + ((e + 1) % 3)]!;
        used.add(u);
        const key = u < v ? `${u}:${v}` : `${v}:${u}`;
        edgeUse.set(key, (edgeUse.get(key) ?? 0) + 1);
      }
    }
    const hull = [...edgeUse.values()].filter((c) => c === 1).length;
    expect([...edgeUse.values()].every((c) => c <= 2)).toBe(true);
    expect(used.size).toBe(n * n);
    expect(triangles.length / 3).toBe(2 * n * n - 2 - hull);
    for (let k = 0; k < triangles.length; k += 3) {
      const [a, b, c] = [triangles[k]!, triangles[k + 1]!, triangles[k + 2]!];
      const ax = xy[2 * a]!;
      const ay = xy[2 * a + 1]!;
      const bx = xy[2 * b]! - ax;
      const by = xy[2 * b + 1]! - ay;
      const cx = xy[2 * c]! - ax;
      const cy = xy[2 * c + 1]! - ay;
      expect(bx * cy - by * cx).toBeGreaterThan(0); // counter-clockwise
      const d = 2 * (bx * cy - by * cx);
      const ux = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d;
      const uy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d;
      const r2 = ux * ux + uy * uy;
      for (let p = 0; p < n * n; p++) {
        const dx = xy[2 * p]! - ax - ux;
        const dy = xy[2 * p + 1]! - ay - uy;
        expect(dx * dx + dy * dy).toBeGreaterThan(r2 - 1e-9);
      }
    }
  });

  it('covers the face: every cell inside gets weights summing to 1', () => {
    const xy: number[] = [];
    for (let i = 0; i < 478; i++) xy.push((REFERENCE_FACE[3 * i]! + 2) * 16, (2 - REFERENCE_FACE[3 * i + 1]!) * 16);
    const tri = triangulate(xy);
    expect(tri.triangles.length / 3).toBeGreaterThan(800);
    const { triangle, weights } = rasterizeTriangles(xy, tri, 64, 64);
    let inside = 0;
    for (let c = 0; c < 64 * 64; c++) {
      if (triangle[c]! < 0) continue;
      inside++;
      expect(weights[3 * c]! + weights[3 * c + 1]! + weights[3 * c + 2]!).toBeCloseTo(1, 5);
    }
    expect(inside).toBeGreaterThan(1000);
  });

  it('handles too few points and refuses too many', () => {
    expect(triangulate([0, 0, 1, 1]).triangles.length).toBe(0);
    expect(() => triangulate(new Float64Array(2 * (MAX_TRIANGULATION_POINTS + 1)))).toThrow();
  });
});
