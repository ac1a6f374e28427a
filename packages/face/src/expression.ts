/**
 * The landmark expression code a sender puts in each driver frame ({kind: 'landmarks', code}).
 *
 * Value = offset of one coordinate of one landmark from the SENDER'S OWN NEUTRAL face, in the
 * canonical pose-free frame (canonical.ts), divided by the neutral face's own inter-ocular
 * distance, times EXPRESSION_GAIN. Subtracting the sender's neutral removes identity (face shape),
 * dividing by their own IOD removes size, the canonical frame removes head pose: what travels is
 * how far the mouth, lids, brows and irises moved, not where they are on this person.
 *
 * Axes: x toward the person's left, y up (so a dropping jaw gives negative y values).
 * Range: clamped to ±EXPRESSION_RANGE (protocol); at gain 1 that is ±1 IOD, far beyond a real
 * expression (a wide-open jaw moves the chin about 0.5 IOD). Quantization step 1/127 IOD (~0.5 mm).
 *
 * The layout is fixed by EXPRESSION_CODE_LAYOUT (version 1); a receiver maps each value back to
 * its landmark (the reference backend's reenact stage does).
 */
import {
  dequantizeExpression,
  EXPRESSION_RANGE,
  HolocallError,
  MAX_LANDMARK_CODE_LENGTH,
  quantizeExpression,
} from '@holocall/protocol';
import { interocularDistance, LANDMARK_COUNT } from './landmarks';

export type CodeAxis = 'x' | 'y';

export interface CodeEntry {
  /** Stable name, for logs and tools. */
  name: string;
  /** Landmark index (topology of landmarks.ts). */
  landmark: number;
  axis: CodeAxis;
}

/** Version of the layout below; bump when it changes (receivers key their decoding on it). */
export const EXPRESSION_CODE_VERSION = 1;

/** Canonical IOD units per code unit is 1 / EXPRESSION_GAIN. */
export const EXPRESSION_GAIN = 1;

const xy = (name: string, landmark: number): CodeEntry[] => [
  { name: `${name}.x`, landmark, axis: 'x' },
  { name: `${name}.y`, landmark, axis: 'y' },
];
const yOnly = (name: string, landmark: number): CodeEntry => ({ name: `${name}.y`, landmark, axis: 'y' });

/**
 * Version 1 layout, 34 values:
 *   0-13  mouth and jaw, x and y: inner lip centres (13 upper, 14 lower), outer lip centres
 *         (0 upper, 17 lower), mouth corners (61 right, 291 left), chin (152)
 *   14-17 lip shape, y: upper inner lip off-centre (82 right, 312 left), lower (87 right, 317 left)
 *   18-21 eyelids, y: upper and lower lid centres (159/145 right eye, 386/374 left eye)
 *   22-25 irises, x and y: centres (473 right, 468 left; as human numbers them)
 *   26-33 brows: outer and middle y (70, 105 right; 300, 334 left), inner x and y (107 right, 336 left)
 */
export const EXPRESSION_CODE_LAYOUT: readonly CodeEntry[] = [
  ...xy('upperLipInner', 13),
  ...xy('lowerLipInner', 14),
  ...xy('upperLipOuter', 0),
  ...xy('lowerLipOuter', 17),
  ...xy('mouthCornerRight', 61),
  ...xy('mouthCornerLeft', 291),
  ...xy('chin', 152),
  yOnly('upperLipInnerRight', 82),
  yOnly('upperLipInnerLeft', 312),
  yOnly('lowerLipInnerRight', 87),
  yOnly('lowerLipInnerLeft', 317),
  yOnly('rightUpperLid', 159),
  yOnly('rightLowerLid', 145),
  yOnly('leftUpperLid', 386),
  yOnly('leftLowerLid', 374),
  ...xy('rightIris', 473),
  ...xy('leftIris', 468),
  yOnly('rightBrowOuter', 70),
  yOnly('rightBrowMid', 105),
  ...xy('rightBrowInner', 107),
  yOnly('leftBrowOuter', 300),
  yOnly('leftBrowMid', 334),
  ...xy('leftBrowInner', 336),
];

export const EXPRESSION_CODE_LENGTH = EXPRESSION_CODE_LAYOUT.length;

if (EXPRESSION_CODE_LENGTH > MAX_LANDMARK_CODE_LENGTH) {
  throw new Error(`expression code (${EXPRESSION_CODE_LENGTH}) exceeds MAX_LANDMARK_CODE_LENGTH`);
}

/** Index of a named entry in the layout (throws on an unknown name: a typo must not read entry -1). */
export function codeIndex(name: string): number {
  const i = EXPRESSION_CODE_LAYOUT.findIndex((e) => e.name === name);
  if (i < 0) throw new Error(`unknown expression code entry ${name}`);
  return i;
}

function checkCanonical(a: ArrayLike<number>, what: string): void {
  if (a?.length !== LANDMARK_COUNT * 3) {
    throw HolocallError.badRequest(`${what} must hold ${LANDMARK_COUNT} canonical points`, { length: a?.length });
  }
}

/** Smallest neutral IOD (canonical units) accepted: below it the neutral is not a face. */
export const MIN_NEUTRAL_IOD = 0.2;

/**
 * The expression code of canonical landmarks against the same person's canonical neutral.
 * Values are clamped to ±EXPRESSION_RANGE (not quantized: see quantizeCode).
 */
export function expressionCode(canonical: ArrayLike<number>, neutral: ArrayLike<number>): Float32Array {
  checkCanonical(canonical, 'landmarks');
  checkCanonical(neutral, 'neutral');
  const iod = interocularDistance(neutral);
  if (!(iod >= MIN_NEUTRAL_IOD)) throw HolocallError.badRequest('neutral face has no usable eye distance', { iod });
  const code = new Float32Array(EXPRESSION_CODE_LENGTH);
  EXPRESSION_CODE_LAYOUT.forEach((e, k) => {
    const a = e.axis === 'x' ? 0 : 1;
    const d = ((canonical[3 * e.landmark + a] as number) - (neutral[3 * e.landmark + a] as number)) / iod;
    const v = d * EXPRESSION_GAIN;
    code[k] = v > EXPRESSION_RANGE ? EXPRESSION_RANGE : Math.max(v, -EXPRESSION_RANGE);
  });
  return code;
}

/** The code as a receiver will decode it (int8 quantization of the driver frame). */
export function quantizeCode(code: ArrayLike<number>): Float32Array {
  const out = new Float32Array(code.length);
  for (let i = 0; i < code.length; i++) out[i] = dequantizeExpression(quantizeExpression(code[i] as number));
  return out;
}

/** One landmark's decoded offset, in units of the face's own IOD, canonical axes (y up). */
export interface LandmarkOffset {
  landmark: number;
  dx: number;
  dy: number;
}

/**
 * Decodes a code into per-landmark offsets (IOD units). A shorter code (an older or truncated
 * layout) decodes its prefix; extra values are ignored. Non-finite values count as 0.
 */
export function decodeExpressionCode(code: ArrayLike<number>): LandmarkOffset[] {
  const byLandmark = new Map<number, LandmarkOffset>();
  const n = Math.min(code.length, EXPRESSION_CODE_LENGTH);
  for (let k = 0; k < EXPRESSION_CODE_LENGTH; k++) {
    const e = EXPRESSION_CODE_LAYOUT[k]!;
    let o = byLandmark.get(e.landmark);
    if (!o) {
      o = { landmark: e.landmark, dx: 0, dy: 0 };
      byLandmark.set(e.landmark, o);
    }
    const raw = k < n ? (code[k] as number) : 0;
    const v = Number.isFinite(raw) ? raw / EXPRESSION_GAIN : 0;
    if (e.axis === 'x') o.dx = v;
    else o.dy = v;
  }
  return [...byLandmark.values()];
}
