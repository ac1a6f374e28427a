import { anglesFromCamera, cameraFromAngles, type HeadPose } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { camerasForView } from '../src/render/view-cameras';

const frontal: HeadPose = { rotation: [0, 0, 0], translation: [0, 0, 0.6] };
const turned: HeadPose = { rotation: [0.3, 0, 0], translation: [0, 0, 0.6] };

describe('view cameras', () => {
  it('follows the head pose on a flat view and adds the receiver parallax offset', () => {
    const base = anglesFromCamera(camerasForView({ kind: 'flat', width: 256, height: 256 }, turned).cameras[0]!);
    expect(base.yaw).toBeCloseTo(-0.3, 5); // head turns left -> camera orbits to its right
    const moved = camerasForView({ kind: 'flat', width: 256, height: 256, offset: { yaw: 0.1, pitch: 0 } }, turned);
    expect(anglesFromCamera(moved.cameras[0]!).yaw).toBeCloseTo(-0.2, 5);
  });

  it('keeps pixels square on non-square views and passes a fixed camera through', () => {
    const wide = camerasForView({ kind: 'flat', width: 400, height: 200 }, frontal).cameras[0]!;
    expect(wide[16]! / wide[20]!).toBeCloseTo(0.5, 6);
    const fixed = Array.from(cameraFromAngles({ yaw: 1, pitch: 0 }));
    expect(
      Array.from(camerasForView({ kind: 'flat', width: 64, height: 64, camera: fixed }, turned).cameras[0]!),
    ).toEqual(fixed.map((v) => Math.fround(v)));
  });

  it('spans a quilt over the view cone about the pose, view 0 leftmost', () => {
    const v = camerasForView(
      { kind: 'quilt', cols: 4, rows: 2, viewConeDeg: 40, tileWidth: 300, tileHeight: 400 },
      turned,
    );
    expect(v.cameras).toHaveLength(8);
    expect(v.layout).toEqual({ kind: 'quilt', cols: 4, rows: 2 });
    const yaws = v.cameras.map((c) => anglesFromCamera(c).yaw);
    expect(yaws[0]).toBeCloseTo(-0.3 - (20 * Math.PI) / 180, 4);
    expect(yaws[7]).toBeCloseTo(-0.3 + (20 * Math.PI) / 180, 4);
    for (let i = 1; i < 8; i++) expect(yaws[i]!).toBeGreaterThan(yaws[i - 1]!);
    for (const c of v.cameras) expect(c[16]! / c[20]!).toBeCloseTo(400 / 300, 6);
    const centred = camerasForView(
      { kind: 'quilt', cols: 3, rows: 1, viewConeDeg: 30, tileWidth: 64, tileHeight: 64, followPose: false },
      turned,
    );
    expect(anglesFromCamera(centred.cameras[1]!).yaw).toBeCloseTo(0, 6);
  });
});
