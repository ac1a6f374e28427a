import { HolocallError } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { eyeCenter, LANDMARK_COUNT, LM, landmarksFromMesh, MESH_LANDMARK_COUNT } from '../src/index';
import { loadLandmarkFixture } from '../src/node/fixtures';

describe('landmarksFromMesh', () => {
  const entry = loadLandmarkFixture().entries.astronaut!;
  const mesh = Array.from({ length: LANDMARK_COUNT }, (_, i) => entry.landmarks.slice(3 * i, 3 * i + 3));

  it('copies a 478-point tracker mesh', () => {
    const l = landmarksFromMesh(mesh);
    expect(Array.from(l)).toEqual(entry.landmarks);
  });

  it('fills the iris centres from the eye openings for a 468-point mesh (no iris model)', () => {
    const l = landmarksFromMesh(mesh.slice(0, MESH_LANDMARK_COUNT));
    const right = eyeCenter(l, 'right');
    const iris = [l[3 * LM.rightIrisCenter]!, l[3 * LM.rightIrisCenter + 1]!];
    expect(Math.hypot(iris[0]! - right[0], iris[1]! - right[1])).toBeLessThan(5);
  });

  it('keeps the iris numbering human uses: 468 rings the left eye (image right), 473 the right', () => {
    const l = landmarksFromMesh(mesh);
    const dist = (a: number, eye: 'left' | 'right') => {
      const c = eyeCenter(l, eye);
      return Math.hypot(l[3 * a]! - c[0], l[3 * a + 1]! - c[1]);
    };
    expect(dist(LM.leftIrisCenter, 'left')).toBeLessThan(dist(LM.leftIrisCenter, 'right'));
    expect(dist(LM.rightIrisCenter, 'right')).toBeLessThan(dist(LM.rightIrisCenter, 'left'));
  });

  it('refuses other sizes and non-finite coordinates', () => {
    expect(() => landmarksFromMesh(mesh.slice(0, 100))).toThrow(HolocallError);
    const bad = mesh.map((p) => [...p]);
    bad[5]![1] = Number.NaN;
    expect(() => landmarksFromMesh(bad)).toThrow(/non-finite/);
  });
});
