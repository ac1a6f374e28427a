import { describe, expect, it } from 'vitest';
import { FACE_CROP_SIZE, faceCropTransform, similarityFromPoints } from '../src/face-crop';
import { fixtureLandmarks } from '../src/node/fixtures';
import { applySimilarity } from '../src/similarity';

describe('face crop frame', () => {
  it('fits an exact similarity exactly', () => {
    const p: [number, number][] = [
      [0, 0],
      [10, 0],
      [3, 7],
      [-4, 2],
    ];
    const s = { a: 0.8, b: 0.6, tx: 5, ty: -3 };
    const q = p.map(([x, y]) => applySimilarity(s, x, y));
    const fit = similarityFromPoints(p, q);
    expect(fit.a).toBeCloseTo(0.8, 9);
    expect(fit.b).toBeCloseTo(0.6, 9);
    expect(fit.tx).toBeCloseTo(5, 9);
    expect(fit.ty).toBeCloseTo(-3, 9);
  });

  it('follows the face: a moved, scaled, rolled copy of the landmarks gives the same crop points', () => {
    const lm = fixtureLandmarks('astronaut');
    const move = { a: 1.3 * Math.cos(0.2), b: 1.3 * Math.sin(0.2), tx: 40, ty: -25 };
    const moved = Float64Array.from(lm);
    for (let i = 0; i < lm.length; i += 3) {
      const [x, y] = applySimilarity(move, lm[i] as number, lm[i + 1] as number);
      moved[i] = x;
      moved[i + 1] = y;
    }
    const a = faceCropTransform(lm);
    const b = faceCropTransform(moved);
    // The nose tip and an eye corner land on the same crop pixel from either.
    for (const i of [1, 33, 263]) {
      const pa = applySimilarity(a, lm[3 * i] as number, lm[3 * i + 1] as number);
      const pb = applySimilarity(b, moved[3 * i] as number, moved[3 * i + 1] as number);
      expect(pb[0]).toBeCloseTo(pa[0], 6);
      expect(pb[1]).toBeCloseTo(pa[1], 6);
    }
    // The face sits in the crop: eyes in the upper half, level, about a quarter of the side apart.
    const r = applySimilarity(a, lm[3 * 33] as number, lm[3 * 33 + 1] as number);
    const l = applySimilarity(a, lm[3 * 263] as number, lm[3 * 263 + 1] as number);
    expect(Math.abs(l[1] - r[1])).toBeLessThan(3);
    expect(r[1]).toBeLessThan(FACE_CROP_SIZE / 2);
    expect((l[0] - r[0]) / FACE_CROP_SIZE).toBeGreaterThan(0.2);
    expect((l[0] - r[0]) / FACE_CROP_SIZE).toBeLessThan(0.45);
  });

  it('refuses landmarks that are not finite, and points that are all in one place', () => {
    const lm = fixtureLandmarks('astronaut');
    lm[3] = Number.NaN;
    expect(() => faceCropTransform(lm)).toThrow(/not finite/);
    expect(() =>
      similarityFromPoints(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [2, 2],
        ],
      ),
    ).toThrow(/one place/);
  });
});
