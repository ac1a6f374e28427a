import { describe, expect, it } from 'vitest';
import {
  anglesFromCamera,
  CAMERA25_LENGTH,
  cameraFromAngles,
  cameraFromHeadPose,
  cameraRotationFromHeadAngles,
  EG3D_CAMERA,
  headAnglesFromCameraRotation,
  intrinsics,
  lookAtCam2World,
  lookAtPoseSampler,
  MAX_HEAD_ORBIT_PITCH_RAD,
  quiltCameras,
  quiltTileOrigin,
  type Vec3,
  validateCamera25,
} from '../src/camera';
import type { HeadPose } from '../src/driver-frame';
import { HolocallError } from '../src/errors';
import { MAX_QUILT_VIEWS } from '../src/limits';
import { prng, uniform } from './support/driver-frames';

const LOOK_AT: Vec3 = [0, 0, 0.2];
const position = (cam: ArrayLike<number>): Vec3 => [cam[3]!, cam[7]!, cam[11]!];
const column = (cam: ArrayLike<number>, c: number): Vec3 => [cam[c]!, cam[4 + c]!, cam[8 + c]!];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const length = (a: Vec3) => Math.hypot(...a);
const unit = (a: Vec3): Vec3 => a.map((v) => v / length(a)) as Vec3;
const angleDiff = (a: number, b: number) => Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));

function errorOf(fn: () => unknown): HolocallError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    return error as HolocallError;
  }
  throw new Error('expected a HolocallError');
}

function expectCloseArray(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tolerance) expect.fail(`index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function expectProperRotation(cam: ArrayLike<number>): void {
  const [x, y, z] = [column(cam, 0), column(cam, 1), column(cam, 2)];
  for (const [a, b, expected] of [
    [x, x, 1],
    [y, y, 1],
    [z, z, 1],
    [x, y, 0],
    [y, z, 0],
    [x, z, 0],
  ] as [Vec3, Vec3, number][]) {
    expect(dot(a, b)).toBeCloseTo(expected, 5);
  }
  const det = dot([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]], z);
  expect(det).toBeCloseTo(1, 5);
}

/** The camera's forward axis points at `target`. */
function expectLooksAt(cam: ArrayLike<number>, target: Vec3): void {
  const eye = position(cam);
  const toTarget = unit([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
  expect(dot(column(cam, 2), toTarget)).toBeCloseTo(1, 6);
}

describe('EG3D camera basics', () => {
  it('states the EG3D constants', () => {
    expect(EG3D_CAMERA).toEqual({ focal: 4.2647, principal: 0.5, radius: 2.7, lookAt: [0, 0, 0.2] });
  });

  it('puts the frontal camera at (0, 0, 2.7), looking at the look-at point, OpenCV axes', () => {
    const cam = cameraFromAngles({ yaw: 0, pitch: 0 });
    expect(cam).toBeInstanceOf(Float32Array);
    expect(cam.length).toBe(CAMERA25_LENGTH);
    expectCloseArray(position(cam), [0, 0, 2.7]);
    expectCloseArray(column(cam, 0), [1, 0, 0]); // image right = world +x (the person's left)
    expectCloseArray(column(cam, 1), [0, -1, 0]); // image down = world -y
    expectCloseArray(column(cam, 2), [0, 0, -1]); // looks toward -z, at the face
    expectCloseArray(cam.subarray(12, 16), [0, 0, 0, 1]);
    expectCloseArray(cam.subarray(16), [4.2647, 0, 0.5, 0, 4.2647, 0.5, 0, 0, 1]);
    expectLooksAt(cam, LOOK_AT);
    validateCamera25(cam);
  });

  it('builds intrinsics and look-at matrices', () => {
    expectCloseArray(intrinsics(), [4.2647, 0, 0.5, 0, 4.2647, 0.5, 0, 0, 1]);
    expectCloseArray(intrinsics(2, 0.4), [2, 0, 0.4, 0, 2, 0.4, 0, 0, 1]);
    const m = lookAtCam2World([1, 0.5, 2], [0, 0, 0.2]);
    expect(m.length).toBe(16);
    expectProperRotation(m);
    expectLooksAt(m, [0, 0, 0.2]);
    expect(column(m, 0)[1]).toBeCloseTo(0, 6); // no roll: image right stays level
    expect(column(m, 1)[1]).toBeLessThan(0); // image down points down in the world
    expect(errorOf(() => lookAtCam2World([0, 1, 0], [0, 1, 0])).code).toBe('bad_request');
    expect(errorOf(() => lookAtCam2World([0, 2, 0], [0, 0, 0])).code).toBe('bad_request'); // straight down the up axis
    expect(errorOf(() => intrinsics(0)).code).toBe('bad_request');
    expect(errorOf(() => intrinsics(4, Number.NaN)).code).toBe('bad_request');
  });

  it('matches EG3D LookAtPoseSampler (ported formula) for any yaw and pitch', () => {
    // EG3D's own example: LookAtPoseSampler.sample(π/2, π/2, [0,0,0], radius=1) sits at [0, 0, 1].
    expectCloseArray(position(lookAtPoseSampler(Math.PI / 2, Math.PI / 2, [0, 0, 0], 1)), [0, 0, 1]);
    const random = prng(7);
    for (let n = 0; n < 200; n++) {
      const yaw = uniform(random, -1.5, 1.5);
      const pitch = uniform(random, -1.2, 1.2);
      const ours = cameraFromAngles({ yaw, pitch });
      const eg3d = lookAtPoseSampler(Math.PI / 2 + yaw, (Math.PI / 2) * (1 + Math.sin(pitch)));
      expectCloseArray(ours.subarray(0, 16), eg3d, 2e-5);
    }
  });
});

describe('orbit angle signs', () => {
  it('positive yaw moves the camera to +x (the person’s left, the viewer’s right)', () => {
    const cam = cameraFromAngles({ yaw: 0.3, pitch: 0 });
    const eye = position(cam);
    expect(eye[0]).toBeCloseTo(2.7 * Math.sin(0.3), 5);
    expect(eye[1]).toBeCloseTo(0, 6);
    expect(eye[2]).toBeCloseTo(2.7 * Math.cos(0.3), 5);
  });

  it('positive pitch moves the camera down (-y), looking up', () => {
    const cam = cameraFromAngles({ yaw: 0, pitch: 0.2 });
    expect(position(cam)[1]).toBeCloseTo(-2.7 * Math.sin(0.2), 5);
    expect(column(cam, 2)[1]).toBeGreaterThan(0);
  });

  it('positive roll turns image right toward world up', () => {
    const cam = cameraFromAngles({ yaw: 0, pitch: 0, roll: 0.2 });
    expect(column(cam, 0)[1]).toBeCloseTo(Math.sin(0.2), 5);
    expectCloseArray(position(cam), [0, 0, 2.7]);
    expectLooksAt(cam, LOOK_AT);
  });

  it('gives proper rotations aimed at the look-at point, and inverts through anglesFromCamera', () => {
    const random = prng(11);
    for (let n = 0; n < 500; n++) {
      const yaw = uniform(random, -Math.PI + 1e-3, Math.PI - 1e-3);
      const pitch = uniform(random, -1.5, 1.5);
      const roll = uniform(random, -Math.PI + 1e-3, Math.PI - 1e-3);
      const radius = uniform(random, 1, 4);
      const focal = uniform(random, 2, 8);
      const cam = cameraFromAngles({ yaw, pitch, roll, radius, focal });
      expectProperRotation(cam);
      expectLooksAt(cam, LOOK_AT);
      validateCamera25(cam);
      expect(length(position(cam))).toBeCloseTo(radius, 5);
      const back = anglesFromCamera(cam);
      expect(angleDiff(back.yaw, yaw)).toBeLessThan(1e-5);
      expect(back.pitch).toBeCloseTo(pitch, 5);
      expect(angleDiff(back.roll, roll)).toBeLessThan(1e-4);
      expect(back.radius).toBeCloseTo(radius, 5);
      expect(back.focal).toBeCloseTo(focal, 5);
    }
  });

  it('refuses pitch at or beyond ±π/2 and non-finite or non-positive inputs', () => {
    for (const opts of [
      { yaw: 0, pitch: Math.PI / 2 },
      { yaw: 0, pitch: -2 },
      { yaw: Number.NaN, pitch: 0 },
      { yaw: 0, pitch: 0, roll: Number.POSITIVE_INFINITY },
      { yaw: 0, pitch: 0, radius: 0 },
      { yaw: 0, pitch: 0, focal: -1 },
      { yaw: 0, pitch: 0, radius: 0.2, lookAt: [0, 0, 0.2] as Vec3 },
    ]) {
      expect(errorOf(() => cameraFromAngles(opts)).code).toBe('bad_request');
    }
  });
});

describe('head pose -> receiver camera', () => {
  const pose = (rotation: Vec3, translation: Vec3 = [0, 0, 0.6]): HeadPose => ({ rotation, translation });

  it('a frontal, centred head gives the frontal EG3D camera', () => {
    expectCloseArray(cameraFromHeadPose(pose([0, 0, 0])), cameraFromAngles({ yaw: 0, pitch: 0 }), 1e-6);
  });

  it('flips the sign of single-axis turns (the head turns left: we see its right cheek)', () => {
    const yawed = anglesFromCamera(cameraFromHeadPose(pose([0.4, 0, 0])));
    expect(yawed.yaw).toBeCloseTo(-0.4, 5);
    expect(position(cameraFromHeadPose(pose([0.4, 0, 0])))[0]).toBeLessThan(0); // the person's right side
    const nodded = cameraFromHeadPose(pose([0, 0.3, 0]));
    expect(anglesFromCamera(nodded).pitch).toBeCloseTo(-0.3, 5);
    expect(position(nodded)[1]).toBeGreaterThan(0); // head looks down: camera above, sees the top
    expect(anglesFromCamera(cameraFromHeadPose(pose([0, 0, 0.25]))).roll).toBeCloseTo(-0.25, 5);
  });

  it('inverts the head rotation exactly when the look-at is the origin', () => {
    const random = prng(5);
    for (let n = 0; n < 200; n++) {
      const rotation: Vec3 = [uniform(random, -1, 1), uniform(random, -0.8, 0.8), uniform(random, -0.6, 0.6)];
      const cam = cameraFromHeadPose(pose(rotation), { lookAt: [0, 0, 0], lineOfSight: false });
      // Camera rotation must equal Rᵀ·F, i.e. cameraRotationFromHeadAngles(rotation)ᵀ.
      const headInCamera = cameraRotationFromHeadAngles(rotation);
      for (let r = 0; r < 3; r++) {
        for (let c = 0; c < 3; c++) expect(cam[r * 4 + c]!).toBeCloseTo(headInCamera[c * 3 + r]!, 5);
      }
    }
  });

  it('uses the line of sight: a head beside the webcam facing straight ahead is seen from its side', () => {
    // Head to the image right (camera +x), facing along the optical axis: the webcam sits to its right side.
    const cam = cameraFromHeadPose(pose([0, 0, 0], [0.3, 0, 0.6]));
    expect(anglesFromCamera(cam).yaw).toBeCloseTo(-Math.atan2(0.3, 0.6), 5);
    // Same head turned to face the webcam: seen frontally.
    const facing = cameraFromHeadPose(pose([-Math.atan2(0.3, 0.6), 0, 0], [0.3, 0, 0.6]));
    expectCloseArray(position(facing), [0, 0, 2.7], 1e-5);
    // Above the optical axis (camera -y) and facing it: frontal too.
    const tilt = Math.atan2(0.2, 0.6);
    const above = cameraFromHeadPose(pose([0, tilt, 0], [0, -0.2, 0.6]));
    expectCloseArray(position(above), [0, 0, 2.7], 1e-5);
  });

  it('falls back to the optical axis without a usable translation, or when asked', () => {
    const frontal = cameraFromAngles({ yaw: 0, pitch: 0 });
    expectCloseArray(cameraFromHeadPose(pose([0, 0, 0], [0, 0, 0])), frontal, 1e-6);
    expectCloseArray(cameraFromHeadPose(pose([0, 0, 0], [0.5, 0, -1])), frontal, 1e-6);
    expectCloseArray(cameraFromHeadPose(pose([0, 0, 0], [0.3, 0.1, 0.6]), { lineOfSight: false }), frontal, 1e-6);
  });

  it('never throws for any pose a decoded frame can carry, and clamps the elevation', () => {
    const random = prng(99);
    for (let n = 0; n < 300; n++) {
      const rotation: Vec3 = [
        uniform(random, -Math.PI, Math.PI),
        uniform(random, -Math.PI, Math.PI),
        uniform(random, -Math.PI, Math.PI),
      ];
      const translation: Vec3 = [
        uniform(random, -3.2767, 3.2767),
        uniform(random, -3.2767, 3.2767),
        uniform(random, -3.2767, 3.2767),
      ];
      const cam = cameraFromHeadPose({ rotation, translation });
      validateCamera25(cam);
      expect(Math.abs(anglesFromCamera(cam).pitch)).toBeLessThanOrEqual(MAX_HEAD_ORBIT_PITCH_RAD + 1e-6);
    }
    expect(errorOf(() => cameraFromHeadPose(pose([Number.NaN, 0, 0]))).code).toBe('bad_request');
  });

  it('converts tracker rotation matrices (OpenCV axes) to HeadPose angles and back', () => {
    expectCloseArray(cameraRotationFromHeadAngles([0, 0, 0]), [1, 0, 0, 0, -1, 0, 0, 0, -1]);
    // Head yaw > 0: the face direction (third column) swings toward image right, still toward the camera.
    const turned = cameraRotationFromHeadAngles([0.5, 0, 0]);
    expect(turned[2]!).toBeGreaterThan(0);
    expect(turned[8]!).toBeLessThan(0);
    // Head pitch > 0: the face looks down, which is image +y.
    expect(cameraRotationFromHeadAngles([0, 0.5, 0])[5]!).toBeGreaterThan(0);
    const random = prng(3);
    for (let n = 0; n < 200; n++) {
      const angles: Vec3 = [uniform(random, -3, 3), uniform(random, -1.5, 1.5), uniform(random, -3, 3)];
      const back = headAnglesFromCameraRotation(cameraRotationFromHeadAngles(angles));
      expect(angleDiff(back[0], angles[0])).toBeLessThan(1e-9);
      expect(back[1]).toBeCloseTo(angles[1], 9);
      expect(angleDiff(back[2], angles[2])).toBeLessThan(1e-9);
    }
    expect(errorOf(() => headAnglesFromCameraRotation([1, 0, 0])).code).toBe('bad_request');
    expect(errorOf(() => headAnglesFromCameraRotation([1, 0, 0, 0, 1, 0, 0, 0, Number.NaN])).code).toBe('bad_request');
  });
});

describe('Looking Glass quilts', () => {
  const spec = { cols: 8, rows: 6, viewConeDeg: 40 };

  it('makes cols × rows cameras sweeping the cone left to right, evenly', () => {
    const cameras = quiltCameras(spec);
    expect(cameras.length).toBe(48);
    const xs = cameras.map((cam) => position(cam)[0]);
    expect(Math.min(...xs)).toBe(xs[0]); // view 0 is the leftmost
    expect(Math.max(...xs)).toBe(xs[47]); // the last view is the rightmost
    const yaws = cameras.map((cam) => anglesFromCamera(cam).yaw);
    expect(yaws[0]).toBeCloseTo((-20 * Math.PI) / 180, 5);
    expect(yaws[47]).toBeCloseTo((20 * Math.PI) / 180, 5);
    const step = (40 * Math.PI) / 180 / 47;
    for (let i = 1; i < yaws.length; i++) expect(yaws[i]! - yaws[i - 1]!).toBeCloseTo(step, 5);
    for (const cam of cameras) {
      validateCamera25(cam);
      expectLooksAt(cam, LOOK_AT);
    }
  });

  it('centres the sweep where asked', () => {
    const cameras = quiltCameras({ cols: 5, rows: 1, viewConeDeg: 30 }, { yaw: 0.2, pitch: -0.1, radius: 3, focal: 5 });
    const middle = anglesFromCamera(cameras[2]!);
    expect(middle.yaw).toBeCloseTo(0.2, 5);
    expect(middle.pitch).toBeCloseTo(-0.1, 5);
    expect(middle.radius).toBeCloseTo(3, 5);
    expect(middle.focal).toBeCloseTo(5, 5);
    const single = quiltCameras({ cols: 1, rows: 1, viewConeDeg: 40 });
    expectCloseArray(single[0]!, cameraFromAngles({ yaw: 0, pitch: 0 }));
  });

  it('places view 0 bottom-left and fills rows left to right, bottom to top', () => {
    expect(quiltTileOrigin(0, spec)).toEqual({ col: 0, row: 5 });
    expect(quiltTileOrigin(7, spec)).toEqual({ col: 7, row: 5 });
    expect(quiltTileOrigin(8, spec)).toEqual({ col: 0, row: 4 });
    expect(quiltTileOrigin(47, spec)).toEqual({ col: 7, row: 0 });
  });

  it('refuses bad specs and views', () => {
    expect(errorOf(() => quiltCameras({ cols: 0, rows: 6, viewConeDeg: 40 })).code).toBe('bad_request');
    expect(errorOf(() => quiltCameras({ cols: 2.5, rows: 6, viewConeDeg: 40 })).code).toBe('bad_request');
    expect(errorOf(() => quiltCameras({ cols: 8, rows: 6, viewConeDeg: 180 })).code).toBe('bad_request');
    expect(errorOf(() => quiltCameras({ cols: 8, rows: 6, viewConeDeg: Number.NaN })).code).toBe('bad_request');
    const tooMany = { cols: MAX_QUILT_VIEWS + 1, rows: 1, viewConeDeg: 40 };
    expect(errorOf(() => quiltCameras(tooMany)).code).toBe('too_large');
    expect(quiltCameras({ cols: MAX_QUILT_VIEWS, rows: 1, viewConeDeg: 40 }).length).toBe(MAX_QUILT_VIEWS);
    expect(errorOf(() => quiltTileOrigin(48, spec)).code).toBe('bad_request');
    expect(errorOf(() => quiltTileOrigin(-1, spec)).code).toBe('bad_request');
    expect(errorOf(() => quiltTileOrigin(1.5, spec)).code).toBe('bad_request');
  });
});

describe('validateCamera25', () => {
  const good = () => cameraFromAngles({ yaw: 0.3, pitch: -0.1, roll: 0.05 });
  const scaleColumn0 = (cam: Float32Array, factor: number) => {
    for (const i of [0, 4, 8]) cam[i]! *= factor;
  };
  const broken = (edit: (cam: Float32Array) => void) => {
    const cam = good();
    edit(cam);
    return cam;
  };

  it('accepts cameras from this module and plain number arrays', () => {
    validateCamera25(good());
    validateCamera25(Array.from(good()));
  });

  it.each([
    ['wrong length', new Float32Array(24)],
    ['not an array', null],
    ['NaN', broken((c) => (c[5] = Number.NaN))],
    ['Infinity in the position', broken((c) => (c[3] = Number.POSITIVE_INFINITY))],
    ['scaled rotation', broken((c) => scaleColumn0(c, 1.1))],
    ['mirrored (det -1)', broken((c) => scaleColumn0(c, -1))],
    ['bottom row', broken((c) => (c[14] = 0.5))],
    ['zero focal', broken((c) => (c[16] = 0))],
    ['skew', broken((c) => (c[17] = 0.1))],
    ['last intrinsics entry', broken((c) => (c[24] = 2))],
    ['principal point outside the image', broken((c) => (c[18] = 1.5))],
  ])('refuses %s', (_, cam) => {
    expect(errorOf(() => validateCamera25(cam as never)).code).toBe('bad_request');
  });

  it('anglesFromCamera validates its input', () => {
    expect(errorOf(() => anglesFromCamera(new Float32Array(25))).code).toBe('bad_request');
  });
});
