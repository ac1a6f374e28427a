import { cameraRotationFromHeadAngles, ErrorCode, HolocallError } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import {
  canonicalFromFit,
  eg3dCameraFromFit,
  fitFace,
  headPoseFromFit,
  LANDMARK_COUNT,
  poseFace,
  REFERENCE_FACE,
  TYPICAL_IOD_M,
} from '../src/index';
import { fixtureLandmarks, loadLandmarkFixture } from '../src/node/fixtures';

const DEG = Math.PI / 180;

/** Real tracker landmarks lifted to 3D pixels, for rotating rigidly. */
function astronaut3D(): Float64Array {
  const fixture = loadLandmarkFixture();
  const entry = fixture.entries.astronaut!;
  const l = Float64Array.from(entry.landmarks);
  for (let i = 0; i < LANDMARK_COUNT; i++) l[3 * i + 2] = l[3 * i + 2]! * (entry.cropSize / 192);
  return l;
}

function rotateAbout(l: Float64Array, M: ArrayLike<number>, center: [number, number, number]): Float64Array {
  const out = new Float64Array(l.length);
  for (let i = 0; i < l.length / 3; i++) {
    const v = [l[3 * i]! - center[0], l[3 * i + 1]! - center[1], l[3 * i + 2]! - center[2]];
    for (let r = 0; r < 3; r++) {
      out[3 * i + r] = M[r * 3]! * v[0]! + M[r * 3 + 1]! * v[1]! + M[r * 3 + 2]! * v[2]! + center[r]!;
    }
  }
  return out;
}

const ANGLES: [number, number, number][] = [
  [0, 0, 0],
  [30 * DEG, 0, 0],
  [-30 * DEG, 0, 0],
  [0, 20 * DEG, 0],
  [0, -20 * DEG, 0],
  [0, 0, 25 * DEG],
  [25 * DEG, -15 * DEG, 10 * DEG],
  [-35 * DEG, 12 * DEG, -8 * DEG],
];

describe('fitFace on the reference face', () => {
  it.each(ANGLES)('recovers yaw %f, pitch %f, roll %f exactly (and the depth scale)', (yaw, pitch, roll) => {
    const M = cameraRotationFromHeadAngles([yaw, pitch, roll]);
    const l = poseFace(M, 55, [320, 240, 10], 0.7);
    const fit = fitFace(l);
    expect(fit.angles[0]).toBeCloseTo(yaw, 6);
    expect(fit.angles[1]).toBeCloseTo(pitch, 6);
    expect(fit.angles[2]).toBeCloseTo(roll, 6);
    expect(fit.scale).toBeCloseTo(55, 4);
    expect(fit.depthScale).toBeCloseTo(0.7, 4);
    expect(fit.translation[0]).toBeCloseTo(320, 4);
    expect(fit.translation[1]).toBeCloseTo(240, 4);
  });

  it('canonicalises a posed reference back to the reference', () => {
    const M = cameraRotationFromHeadAngles([0.4, -0.2, 0.3]);
    const l = poseFace(M, 80, [100, 90, 0], 1.3);
    const canonical = canonicalFromFit(l, fitFace(l));
    for (let i = 0; i < canonical.length; i++) expect(canonical[i]).toBeCloseTo(REFERENCE_FACE[i]!, 6);
  });
});

describe('fitFace on real tracker landmarks', () => {
  const base = astronaut3D();
  const center: [number, number, number] = [base[3 * 168]!, base[3 * 168 + 1]!, base[3 * 168 + 2]!];
  const fit0 = fitFace(fixtureLandmarks('astronaut'));

  it('finds a near-frontal, slightly nodding head with a sub-pixel residual', () => {
    expect(Math.abs(fit0.angles[0])).toBeLessThan(5 * DEG);
    expect(Math.abs(fit0.angles[2])).toBeLessThan(6 * DEG);
    expect(fit0.rms).toBeLessThan(1.5);
    // The tracker's depth unit is its 192-px crop: k should be about crop / 192.
    const entry = loadLandmarkFixture().entries.astronaut!;
    expect(fit0.depthScale).toBeGreaterThan((0.8 * entry.cropSize) / 192);
    expect(fit0.depthScale).toBeLessThan((1.2 * entry.cropSize) / 192);
  });

  it.each(ANGLES.slice(1))('recovers a rigid turn of yaw %f, pitch %f, roll %f within 1°', (yaw, pitch, roll) => {
    // Rotate the real face about its own axes: observed = F·ΔR·Fᵀ applied in camera axes on top of its pose.
    const R0 = fit0.rotation;
    const M1 = cameraRotationFromHeadAngles([yaw, pitch, roll]);
    // Turn the head so that its new orientation is M1 (relative turn M1 · R0ᵀ in camera axes).
    const delta = new Array(9).fill(0);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        for (let k = 0; k < 3; k++) delta[r * 3 + c] += M1[r * 3 + k]! * R0[c * 3 + k]!;
      }
    }
    const turned = rotateAbout(base, delta, center);
    for (let i = 0; i < LANDMARK_COUNT; i++) turned[3 * i + 2] = turned[3 * i + 2]! / 0.75; // back to tracker-like depth units
    const fit = fitFace(turned);
    expect(Math.abs(fit.angles[0] - yaw)).toBeLessThan(1 * DEG);
    expect(Math.abs(fit.angles[1] - pitch)).toBeLessThan(1 * DEG);
    expect(Math.abs(fit.angles[2] - roll)).toBeLessThan(1 * DEG);
  });

  it('sees the real tracker on the photo rotated 12° counter-clockwise as +12° roll (±1.5°)', () => {
    const fixture = loadLandmarkFixture();
    const rotated = fitFace(fixtureLandmarks('rotated', fixture));
    const deg = fixture.entries.rotated!.params!.angleDeg!;
    expect(rotated.angles[2] - fit0.angles[2]).toBeGreaterThan((deg - 1.5) * DEG);
    expect(rotated.angles[2] - fit0.angles[2]).toBeLessThan((deg + 1.5) * DEG);
  });

  it('sees the mirrored photo with mirrored yaw and roll (±1.5°)', () => {
    const mirrored = fitFace(fixtureLandmarks('astronaut-mirrored'));
    expect(Math.abs(mirrored.angles[0] + fit0.angles[0])).toBeLessThan(1.5 * DEG);
    expect(Math.abs(mirrored.angles[2] + fit0.angles[2])).toBeLessThan(1.5 * DEG);
  });
});

describe('head pose and camera', () => {
  it('puts the head at the distance its pixel size implies', () => {
    const M = cameraRotationFromHeadAngles([0.1, 0, 0]);
    // focal 500 px, IOD 50 px -> 0.063 * 500 / 50 = 0.63 m; centred horizontally, 100 px below centre.
    const fit = fitFace(poseFace(M, 50, [320, 340, 0], 1));
    const pose = headPoseFromFit(fit, { width: 640, height: 480, focalPx: 500 });
    expect(pose.translation[2]).toBeCloseTo((TYPICAL_IOD_M * 500) / 50, 6);
    expect(pose.translation[0]).toBeCloseTo(0, 6);
    expect(pose.translation[1]).toBeCloseTo((100 * pose.translation[2]) / 500, 6);
    expect(pose.rotation[0]).toBeCloseTo(0.1, 6);
  });

  it('turns a frontal fit into the frontal EG3D camera', () => {
    const fit = fitFace(poseFace(cameraRotationFromHeadAngles([0, 0, 0]), 128, [256, 240, 0], 1));
    const cam = eg3dCameraFromFit(fit, { width: 512, height: 512 }, false);
    expect(cam[3]).toBeCloseTo(0, 5);
    expect(cam[7]).toBeCloseTo(0, 5);
    expect(cam[11]).toBeCloseTo(2.7, 5);
  });
});

describe('fitFace input checks', () => {
  it('refuses a wrong-sized array', () => {
    expect(() => fitFace(new Float64Array(30))).toThrow(HolocallError);
  });
  it('refuses non-finite landmarks', () => {
    const l = poseFace(cameraRotationFromHeadAngles([0, 0, 0]), 50, [0, 0, 0]);
    l[5] = Number.NaN;
    try {
      fitFace(l);
      expect.unreachable();
    } catch (e) {
      expect((e as HolocallError).code).toBe(ErrorCode.BadRequest);
    }
  });
  it('refuses a face too small to fit', () => {
    expect(() => fitFace(poseFace(cameraRotationFromHeadAngles([0, 0, 0]), 1, [10, 10, 0]))).toThrow(/too small/);
  });
  it('fits a tracker without depth (all z equal) from x and y alone', () => {
    const M = cameraRotationFromHeadAngles([0.3, 0.1, 0]);
    const l = poseFace(M, 60, [200, 200, 0], 1);
    for (let i = 0; i < LANDMARK_COUNT; i++) l[3 * i + 2] = 0;
    const fit = fitFace(l);
    expect(fit.depthScale).toBe(0);
    expect(Math.abs(fit.angles[0] - 0.3)).toBeLessThan(3 * DEG);
  });
});
