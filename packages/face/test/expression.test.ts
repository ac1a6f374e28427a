import {
  cameraRotationFromHeadAngles,
  DRIVER_FRAME_QUANTIZATION,
  decodeDriverFrame,
  EXPRESSION_RANGE,
  encodeDriverFrame,
  MAX_LANDMARK_CODE_LENGTH,
} from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import {
  canonicalLandmarks,
  codeIndex,
  decodeExpressionCode,
  EXPRESSION_CODE_LAYOUT,
  EXPRESSION_CODE_LENGTH,
  ExpressionCapture,
  expressionCode,
  interocularDistance,
  LANDMARK_COUNT,
  LM,
  NeutralFaceEstimator,
  poseFace,
  quantizeCode,
  REFERENCE_FACE,
} from '../src/index';
import { fixtureLandmarks } from '../src/node/fixtures';

/** A synthetic expression: offsets in units of the face's own IOD, head axes (y up). */
const EXPRESSION: Record<number, [number, number]> = {
  [LM.lowerLipInner]: [0, -0.3],
  [LM.lowerLipOuter]: [0, -0.3],
  [LM.chin]: [0, -0.25],
  [LM.mouthCornerRight]: [-0.04, 0.05],
  [LM.mouthCornerLeft]: [0.04, 0.05],
  [LM.rightEyeUpperLid]: [0, -0.08],
  [LM.leftBrowMid]: [0, 0.1],
  [LM.rightBrowInner]: [0.03, 0.06],
};

function withExpression(neutral: Float64Array, scale = 1): Float64Array {
  const out = Float64Array.from(neutral);
  const iod = interocularDistance(neutral);
  for (const [k, [dx, dy]] of Object.entries(EXPRESSION)) {
    out[3 * Number(k)] = out[3 * Number(k)]! + dx * iod * scale;
    out[3 * Number(k) + 1] = out[3 * Number(k) + 1]! + dy * iod * scale;
  }
  return out;
}

/** Another face: wider, shorter, bigger nose, eyes further apart, a different size. */
function otherIdentity(): Float64Array {
  const out = Float64Array.from(REFERENCE_FACE);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    out[3 * i] = out[3 * i]! * 1.15;
    out[3 * i + 1] = out[3 * i + 1]! * 0.9;
    const x = out[3 * i]!;
    const y = out[3 * i + 1]!;
    // Nose region pushed forward.
    out[3 * i + 2] = out[3 * i + 2]! + 0.2 * Math.exp(-((x * x) / 0.04 + ((y + 0.5) * (y + 0.5)) / 0.1));
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * 1.7;
  return out;
}

function observe(
  face: Float64Array,
  angles: [number, number, number],
  scale: number,
  t: [number, number, number],
  k: number,
) {
  return poseFace(cameraRotationFromHeadAngles(angles), scale, t, k, face);
}

describe('expression code layout', () => {
  it('fits the compact driver frame', () => {
    expect(EXPRESSION_CODE_LENGTH).toBeLessThanOrEqual(MAX_LANDMARK_CODE_LENGTH);
    expect(EXPRESSION_CODE_LENGTH).toBeLessThanOrEqual(36);
    expect(new Set(EXPRESSION_CODE_LAYOUT.map((e) => e.name)).size).toBe(EXPRESSION_CODE_LENGTH);
    const frame = encodeDriverFrame({
      seq: 1,
      captureTimeMs: 1,
      pose: { rotation: [0, 0, 0], translation: [0, 0, 0.6] },
      expression: { kind: 'landmarks', code: new Float32Array(EXPRESSION_CODE_LENGTH) },
    });
    expect(frame.length).toBeLessThanOrEqual(64);
  });
  it('refuses unknown entry names', () => {
    expect(() => codeIndex('nose.z')).toThrow();
  });
});

describe('expressionCode', () => {
  const neutral = observe(REFERENCE_FACE, [0.2, -0.1, 0.05], 60, [300, 200, 0], 0.8);
  const neutralCanonical = canonicalLandmarks(neutral).canonical;

  it('is zero for the neutral face itself, seen in another pose', () => {
    const again = observe(REFERENCE_FACE, [-0.3, 0.2, -0.1], 45, [100, 300, 5], 0.6);
    const code = expressionCode(canonicalLandmarks(again).canonical, neutralCanonical);
    for (const v of code) expect(Math.abs(v)).toBeLessThan(1e-9);
  });

  it('reads the synthetic offsets back, whatever the pose', () => {
    const face = observe(withExpression(REFERENCE_FACE), [-0.35, 0.15, 0.2], 70, [50, 60, 0], 1.1);
    const code = expressionCode(canonicalLandmarks(face).canonical, neutralCanonical);
    expect(code[codeIndex('lowerLipInner.y')]).toBeCloseTo(-0.3, 6);
    expect(code[codeIndex('chin.y')]).toBeCloseTo(-0.25, 6);
    expect(code[codeIndex('mouthCornerLeft.x')]).toBeCloseTo(0.04, 6);
    expect(code[codeIndex('leftBrowMid.y')]).toBeCloseTo(0.1, 6);
    expect(code[codeIndex('upperLipInner.y')]).toBeCloseTo(0, 6);
  });

  it('does not carry identity: two different faces with the same expression give the same code', () => {
    const other = otherIdentity();
    const codes = [
      [REFERENCE_FACE, [0.1, 0.05, 0], 50],
      [other, [-0.4, -0.2, 0.15], 120],
    ].map(([face, angles, scale]) => {
      const f = face as Float64Array;
      const n = canonicalLandmarks(observe(f, [0, 0, 0], scale as number, [0, 0, 0], 1)).canonical;
      const e = canonicalLandmarks(
        observe(withExpression(f), angles as [number, number, number], scale as number, [9, 9, 0], 0.7),
      );
      return expressionCode(e.canonical, n);
    });
    // Not bit-exact: the tracker-depth scale is estimated against the reference face, and the other
    // face's different depth profile skews it a little when the head is turned (< 2 code steps).
    for (let i = 0; i < EXPRESSION_CODE_LENGTH; i++)
      expect(Math.abs(codes[1]![i]! - codes[0]![i]!)).toBeLessThan(0.015);
    // ... while the two faces' landmarks themselves differ a lot.
    const a = canonicalLandmarks(observe(REFERENCE_FACE, [0, 0, 0], 50, [0, 0, 0], 1)).canonical;
    const b = canonicalLandmarks(observe(other, [0, 0, 0], 50, [0, 0, 0], 1)).canonical;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeGreaterThan(0.15);
  });

  it('clamps to ±EXPRESSION_RANGE and quantizes within half a step', () => {
    const huge = Float64Array.from(neutralCanonical);
    huge[3 * LM.chin + 1] = huge[3 * LM.chin + 1]! - 5;
    const code = expressionCode(huge, neutralCanonical);
    expect(code[codeIndex('chin.y')]).toBe(-EXPRESSION_RANGE);
    const raw = new Float32Array(EXPRESSION_CODE_LENGTH).map((_, i) => Math.sin(i * 1.7) * 0.9);
    const q = quantizeCode(raw);
    for (let i = 0; i < raw.length; i++)
      expect(Math.abs(q[i]! - raw[i]!)).toBeLessThanOrEqual(DRIVER_FRAME_QUANTIZATION.expression);
    // ... and what quantizeCode predicts is exactly what a receiver decodes.
    const decoded = decodeDriverFrame(
      encodeDriverFrame({
        seq: 0,
        captureTimeMs: 0,
        pose: { rotation: [0, 0, 0], translation: [0, 0, 1] },
        expression: { kind: 'landmarks', code: raw },
      }),
    );
    expect(decoded.expression.kind === 'landmarks' && Array.from(decoded.expression.code)).toEqual(Array.from(q));
  });

  it('refuses a neutral without eye distance and wrong-sized input', () => {
    expect(() => expressionCode(neutralCanonical, new Float64Array(LANDMARK_COUNT * 3))).toThrow(/eye distance/);
    expect(() => expressionCode(new Float64Array(3), neutralCanonical)).toThrow(/478/);
  });

  it('decodes into per-landmark offsets, ignoring non-finite values and a short code', () => {
    const code = new Float32Array(EXPRESSION_CODE_LENGTH);
    code[codeIndex('lowerLipInner.y')] = -0.2;
    code[codeIndex('chin.x')] = Number.NaN;
    const offsets = decodeExpressionCode(code);
    expect(offsets.find((o) => o.landmark === LM.lowerLipInner)).toEqual({
      landmark: LM.lowerLipInner,
      dx: 0,
      dy: expect.closeTo(-0.2, 6),
    });
    expect(offsets.find((o) => o.landmark === LM.chin)!.dx).toBe(0);
    expect(
      decodeExpressionCode(code.slice(0, 2)).every(
        (o) => o.landmark === LM.upperLipInner || (o.dx === 0 && o.dy === 0),
      ),
    ).toBe(true);
  });
});

describe('on real tracker landmarks', () => {
  const neutral = canonicalLandmarks(fixtureLandmarks('astronaut')).canonical;
  it('the synthetic jaw drop reads as a lower lip moving down, eyes staying put', () => {
    const code = expressionCode(canonicalLandmarks(fixtureLandmarks('mouth-open')).canonical, neutral);
    expect(code[codeIndex('lowerLipInner.y')]).toBeLessThan(-0.12);
    expect(Math.abs(code[codeIndex('upperLipInner.y')]!)).toBeLessThan(0.06);
    for (const name of ['rightUpperLid.y', 'leftUpperLid.y', 'rightLowerLid.y', 'leftLowerLid.y']) {
      expect(Math.abs(code[codeIndex(name)]!)).toBeLessThan(0.06);
    }
  });
  it('the mirrored photo, against the mirrored neutral, is (nearly) expressionless', () => {
    const mirrored = canonicalLandmarks(fixtureLandmarks('astronaut-mirrored')).canonical;
    const code = expressionCode(mirrored, mirrored);
    for (const v of code) expect(v).toBe(0);
  });
});

describe('calibration and capture', () => {
  it('takes the per-coordinate median as the neutral', () => {
    const est = new NeutralFaceEstimator(5);
    const base = Float64Array.from(REFERENCE_FACE);
    for (let f = 0; f < 5; f++) {
      const frame = Float64Array.from(base);
      frame[0] = f === 2 ? 100 : f; // one wild value must not move the median far
      est.add(frame);
    }
    expect(est.ready).toBe(true);
    expect(est.neutral()[0]).toBe(3);
    expect(() => new NeutralFaceEstimator(2)).toThrow();
  });

  it('sends no expression while calibrating, then quantized codes', () => {
    const capture = new ExpressionCapture(5);
    const cam = { width: 640, height: 480 };
    const still = observe(REFERENCE_FACE, [0.1, 0, 0], 60, [320, 240, 0], 0.8);
    for (let i = 0; i < 4; i++) expect(capture.process(still, cam).calibrating).toBe(true);
    const fifth = capture.process(still, cam);
    expect(fifth.calibrating).toBe(false);
    expect(fifth.expression.kind).toBe('none');
    const open = capture.process(observe(withExpression(REFERENCE_FACE), [0.3, 0, 0], 60, [320, 240, 0], 0.8), cam);
    expect(open.expression.kind).toBe('landmarks');
    if (open.expression.kind === 'landmarks') {
      expect(open.expression.code[codeIndex('lowerLipInner.y')]).toBeCloseTo(-0.3, 1);
      expect(open.pose.rotation[0]).toBeCloseTo(0.3, 6);
    }
  });
});
