/**
 * Quantization of the driver-frame fields: steps, ranges, and the error each introduces.
 *
 * Every quantized field uses a SYMMETRIC integer range (int16: ±32767, int8: ±127); the
 * most negative integer (-32768, -128) is never written and a decoder rejects it. So a
 * value and its negation always quantize to opposite integers, and every integer a
 * decoder accepts re-encodes to itself.
 *
 * Encoder rule for out-of-range inputs (one rule, tested):
 * - NaN / ±Infinity anywhere: rejected (bad_request).
 * - Angles: wrapped into [-π, π] (the same rotation; nothing is lost).
 * - Other continuous measurements (translation, expression, latent): clamped to their
 *   range. A saturated expression renders as the extreme; dropping the frame instead would
 *   stutter the call. The error bounds below hold for values inside the range.
 * - Identifiers and times (seq, captureTimeMs, cropSeq): must be exact integers in range,
 *   else rejected (bad_request): there is no meaningful "nearest" sequence number.
 */

/** Largest int16 a quantized rotation/translation uses; -32768 is reserved (rejected). */
export const INT16_QUANT_MAX = 32767;
/** Largest int8 a quantized landmark value uses; -128 is reserved (rejected). */
export const INT8_QUANT_MAX = 127;

/** Rotation angle step: int16 over [-π, π], 32767 steps each side (≈ 0.0055°). */
export const ROTATION_STEP_RAD = Math.PI / INT16_QUANT_MAX;

/** Translation step: 0.1 mm, int16 per axis. */
export const TRANSLATION_STEP_M = 1e-4;
/** Translation range per axis: ±3.2767 m (a head in front of a webcam is within ~2 m). */
export const TRANSLATION_RANGE_M = INT16_QUANT_MAX / 10_000;

/**
 * Landmark expression values lie within ±EXPRESSION_RANGE canonical units. The unit is
 * defined by the expression code's own package (offsets from the person's neutral face in a
 * canonical, pose-free frame, scaled so real expressions stay inside ±1).
 */
export const EXPRESSION_RANGE = 1;
/** Landmark expression step: int8, 127 steps each side of zero. */
export const EXPRESSION_STEP = EXPRESSION_RANGE / INT8_QUANT_MAX;

/** Latent codes travel as IEEE float16; finite values beyond this are clamped to it. */
export const LATENT_RANGE = 65504;

/** Rounds up in the 6th significant digit, after a relative margin for float64 arithmetic. */
function statedBound(value: number): number {
  const padded = value * (1 + 1e-9);
  const scale = 10 ** (5 - Math.floor(Math.log10(padded)));
  return Math.ceil(padded * scale) / scale;
}

/**
 * The largest error the codec introduces, per field, for values inside their ranges
 * (half a quantization step, rounded up in the 6th significant digit; the expression
 * bound also covers the float32 rounding of the decoded value). Tests measure it.
 */
export const DRIVER_FRAME_QUANTIZATION = {
  /** Each of yaw, pitch, roll, in degrees (half of 180/32767°). */
  rotationDeg: statedBound(((ROTATION_STEP_RAD / 2) * 180) / Math.PI),
  /** Each of x, y, z, in millimetres (half of 0.1 mm). */
  translationMm: statedBound((TRANSLATION_STEP_M / 2) * 1000),
  /** Each landmark expression value, in canonical units (half of 1/127, plus float32 rounding). */
  expression: statedBound(EXPRESSION_STEP / 2 + EXPRESSION_RANGE * 2 ** -24),
  /** Latent values: |error| <= max(latentRelative * |v|, latentAbsolute) (float16 round-to-nearest-even). */
  latentRelative: 2 ** -11,
  latentAbsolute: 2 ** -25,
  /** seq, captureTimeMs and cropSeq travel exactly. */
  exact: ['seq', 'captureTimeMs', 'cropSeq'],
} as const;

const TWO_PI = 2 * Math.PI;

/** Rounds half away from zero, so round(-x) = -round(x) (Math.round rounds -63.5 to -63). */
function roundSymmetric(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
const ROTATION_SCALE = INT16_QUANT_MAX / Math.PI;

/** Finite angle -> int16 in [-32767, 32767], after wrapping into [-π, π]. */
export function quantizeAngle(angle: number): number {
  // `%` is exact in IEEE arithmetic, so this wraps even huge finite angles correctly.
  let a = angle % TWO_PI;
  if (a > Math.PI) a -= TWO_PI;
  else if (a < -Math.PI) a += TWO_PI;
  return clampInt(roundSymmetric(a * ROTATION_SCALE), INT16_QUANT_MAX);
}

export function dequantizeAngle(q: number): number {
  return q * ROTATION_STEP_RAD;
}

/** Finite metres -> int16 in 0.1 mm steps, clamped to ±TRANSLATION_RANGE_M. */
export function quantizeTranslation(metres: number): number {
  // Multiply by 10000 (exact) rather than divide by 1e-4 (inexact).
  return clampInt(roundSymmetric(metres * 10_000), INT16_QUANT_MAX);
}

export function dequantizeTranslation(q: number): number {
  return q / 10_000;
}

/** Finite canonical value -> int8, clamped to ±EXPRESSION_RANGE. */
export function quantizeExpression(value: number): number {
  return clampInt(roundSymmetric((value * INT8_QUANT_MAX) / EXPRESSION_RANGE), INT8_QUANT_MAX);
}

export function dequantizeExpression(q: number): number {
  return (q * EXPRESSION_RANGE) / INT8_QUANT_MAX;
}

function clampInt(q: number, max: number): number {
  // `| 0` also turns -0 into 0, so the sign of zero never reaches the wire.
  return Math.min(max, Math.max(-max, q)) | 0;
}

// ---- float16 (IEEE 754 binary16) without Node-only APIs; Math.f16round is not in Node 20 ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Float -> float16 bits, round to nearest, ties to even, with subnormals. The value is
 * first rounded to float32 (the codes are Float32Arrays, so that is exact for them).
 * Finite values beyond ±LATENT_RANGE are clamped; callers reject NaN/Infinity first.
 */
export function toFloat16Bits(value: number): number {
  const v = Math.min(LATENT_RANGE, Math.max(-LATENT_RANGE, value));
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  const mantissa = x & 0x7fffff;
  if (exponent >= 1) {
    // Normal float16: keep 10 of 23 mantissa bits. A carry out of the mantissa correctly
    // bumps the exponent; it cannot reach Infinity because of the clamp above.
    let h = (exponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  // Subnormal float16 (k · 2^-24) or zero. (Float32 subnormals land in `shift >= 25`.)
  const shift = 14 - exponent;
  if (shift >= 25) return sign;
  const full = mantissa | 0x800000;
  let k = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (k & 1) === 1)) k++;
  return sign | k;
}

const F16_EXP_POW: number[] = Array.from({ length: 31 }, (_, e) => 2 ** (e - 15));

/** Float16 bits -> number; NaN for the NaN/Infinity patterns (exponent 31), which decoders reject. */
export function fromFloat16Bits(h: number): number {
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return Number.NaN;
  return sign * (1 + mantissa / 1024) * F16_EXP_POW[exponent]!;
}
