import { HolocallError, LANDMARK_COUNT, MAX_LANDMARK_DEPTH_RATIO, MIN_FACE_SIDE } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { checkEnrollmentLandmarks, LM } from '../src/index';
import { fixtureLandmarks } from '../src/node';

const IMAGE = { width: 512, height: 512 };
const real = () => Array.from(fixtureLandmarks('astronaut'));

/** `code:reason` of a refusal, or 'ok'. */
function verdict(flat: unknown, image = IMAGE): string {
  try {
    checkEnrollmentLandmarks(flat, image);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    const { code, details } = error as HolocallError;
    return `${code}:${String(details?.reason)}`;
  }
}

function extent(flat: number[]): { minX: number; minY: number; side: number } {
  const xs = flat.filter((_, i) => i % 3 === 0);
  const ys = flat.filter((_, i) => i % 3 === 1);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  return { minX, minY, side: Math.max(Math.max(...xs) - minX, Math.max(...ys) - minY) };
}

/** The face shrunk about its top-left corner so it is `side` pixels across (depth shrunk with it). */
function shrunkTo(flat: number[], side: number): number[] {
  const e = extent(flat);
  const k = side / e.side;
  return flat.map((v, i) =>
    i % 3 === 0 ? e.minX + (v - e.minX) * k : i % 3 === 1 ? e.minY + (v - e.minY) * k : v * k,
  );
}

describe('enrollment landmark plausibility: one check for the web server and the inference node', () => {
  it("accepts the tracker's landmarks of the fixture photo, typed arrays and plain arrays alike", () => {
    expect(verdict(real())).toBe('ok');
    expect(verdict(fixtureLandmarks('astronaut'))).toBe('ok');
    expect(verdict(Float32Array.from(real()))).toBe('ok');
    expect(Array.from(checkEnrollmentLandmarks(real(), IMAGE))).toEqual(real());
  });

  it('refuses what is not a flat array of finite triples', () => {
    expect(verdict('not landmarks')).toBe('bad_request:landmarks_malformed');
    expect(verdict({ length: 3 })).toBe('bad_request:landmarks_malformed');
    expect(verdict(real().slice(0, -1))).toBe('bad_request:landmarks_malformed');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 'x', null]) {
      const flat: unknown[] = real();
      flat[10] = bad;
      expect(verdict(flat)).toBe('bad_request:landmarks_malformed');
    }
  });

  it('refuses no face, several faces and another point count', () => {
    expect(verdict([])).toBe('face_not_found:no_face');
    expect(verdict([...real(), ...real()])).toBe('multiple_faces:several_faces');
    expect(verdict(real().slice(0, (LANDMARK_COUNT - 10) * 3))).toBe('bad_request:landmark_count');
    expect(verdict([...real(), 1, 2, 3])).toBe('bad_request:landmark_count');
  });

  it('refuses a point outside the image (each side), and accepts points on its edges', () => {
    const flat = real();
    const xs = flat.filter((_, i) => i % 3 === 0);
    const ys = flat.filter((_, i) => i % 3 === 1);
    const [maxX, maxY] = [Math.max(...xs), Math.max(...ys)];
    expect(verdict(flat, { width: maxX, height: maxY })).toBe('ok');
    expect(verdict(flat, { width: maxX - 0.01, height: 512 })).toBe('bad_request:landmarks_outside_photo');
    expect(verdict(flat, { width: 512, height: maxY - 0.01 })).toBe('bad_request:landmarks_outside_photo');
    const moved = (dx: number, dy: number) => flat.map((v, i) => v + (i % 3 === 0 ? dx : i % 3 === 1 ? dy : 0));
    const [minX, minY] = [Math.min(...xs), Math.min(...ys)];
    expect(verdict(moved(-minX, -minY))).toBe('ok');
    expect(verdict(moved(-minX - 0.01, 0))).toBe('bad_request:landmarks_outside_photo');
    expect(verdict(moved(0, -minY - 0.01))).toBe('bad_request:landmarks_outside_photo');
  });

  it('refuses a face under MIN_FACE_SIDE pixels across, and accepts one of exactly that', () => {
    expect(verdict(shrunkTo(real(), MIN_FACE_SIDE))).toBe('ok');
    expect(verdict(shrunkTo(real(), MIN_FACE_SIDE - 0.5))).toBe('face_not_found:face_too_small');
  });

  it('refuses a depth beyond MAX_LANDMARK_DEPTH_RATIO face sizes', () => {
    const { side } = extent(real());
    const at = real();
    at[3 * LM.noseTip + 2] = MAX_LANDMARK_DEPTH_RATIO * side;
    expect(verdict(at)).toBe('ok');
    for (const z of [MAX_LANDMARK_DEPTH_RATIO * side + 1, -(MAX_LANDMARK_DEPTH_RATIO * side + 1)]) {
      const flat = real();
      flat[3 * LM.noseTip + 2] = z;
      expect(verdict(flat)).toBe('bad_request:implausible_depth');
    }
  });

  it('refuses a scrambled face: eyes together, mouth on the eyes, nose below the mouth', () => {
    const set = (flat: number[], index: number, from: number) => {
      flat[3 * index] = flat[3 * from]!;
      flat[3 * index + 1] = flat[3 * from + 1]!;
    };
    const eyes = real();
    for (const i of [LM.leftEyeOuter, LM.leftEyeInner]) set(eyes, i, LM.rightEyeInner);
    set(eyes, LM.rightEyeOuter, LM.rightEyeInner);
    expect(verdict(eyes)).toBe('bad_request:implausible_anatomy');
    const mouth = real();
    for (const i of [LM.upperLipInner, LM.lowerLipInner]) set(mouth, i, LM.noseBridge);
    expect(verdict(mouth)).toBe('bad_request:implausible_anatomy');
    const nose = real();
    const chin = [nose[3 * LM.chin]!, nose[3 * LM.chin + 1]!];
    nose[3 * LM.noseTip] = chin[0]!;
    nose[3 * LM.noseTip + 1] = chin[1]!;
    expect(verdict(nose)).toBe('bad_request:implausible_anatomy');
  });
});
