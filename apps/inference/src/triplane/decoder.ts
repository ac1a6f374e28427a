import { TRIPLANE_CHANNELS } from './layout';

/**
 * The analytic tri-plane decoder: a fixed, documented two-layer ReLU MLP from the summed
 * 32-channel feature `f = F_xy + F_yz + F_zx` to a raw density and three colour logits.
 * It is exact (not learnt), so a lift stage can write tri-planes for it by hand:
 *
 *   sigma_raw = DENSITY_GAIN * (max(f[0], f[1]) + DENSITY_OFFSET)
 *   rgb_logit = f[2], f[3], f[4]
 *   (channels 5..31 are reserved: ignored by this decoder, zero in reference tri-planes)
 *
 * then EG3D's activations: density = softplus(sigma_raw - 1) (inside the ray marcher, after
 * the midpoint average), colour = sigmoid(rgb_logit) * 1.002 - 0.001.
 *
 * Two density channels combined by max give a union of two separable fields: channel 0 for
 * the closed head volume, channel 1 for a relief (a face height field bounded in depth, a
 * nose, ears) without the "prism" bulges a single sum would leave. Guidance for writers:
 * keep each plane's contribution to a density channel at or below PLANE_DENSITY_MAX so that
 * a point seen by one plane only (outside the box on another axis, where GridSample pads
 * with zeros) stays empty, and make the three-plane sum exceed SURFACE_LEVEL inside.
 *
 * As an MLP (hidden width 9, ReLU):
 *   h0 = relu(f0), h1 = relu(-f0), h2 = relu(f1 - f0), h(3+k) = relu(f(2+k)), h(6+k) = relu(-f(2+k))
 *   sigma_raw = GAIN * (h0 - h1 + h2) + GAIN * OFFSET      (= GAIN * (max(f0, f1) + OFFSET))
 *   rgb_logit_k = h(3+k) - h(6+k)                          (= f(2+k))
 */
export const DENSITY_CHANNELS = [0, 1] as const;
export const COLOR_CHANNELS = [2, 3, 4] as const;
export const DENSITY_GAIN = 200;
export const DENSITY_OFFSET = -2;

/** A raw density at or below this is treated as empty space (softplus(-7) * 0.05 < 5e-5 alpha per step). */
export const RAW_EMPTY_THRESHOLD = -6;

/** Per-plane ceiling writers should respect for density channels (one plane alone stays empty). */
export const PLANE_DENSITY_MAX = 1.5;

/** Summed density feature where the surface is (raw density 15, about 14 per unit length). */
export const SURFACE_LEVEL = 2.075;

export const DECODER_HIDDEN = 9;
export const DECODER_OUTPUTS = 4;

export interface DecoderWeights {
  /** `[TRIPLANE_CHANNELS][DECODER_HIDDEN]` row-major (input-major, as ONNX MatMul with x @ W). */
  w1: Float32Array;
  b1: Float32Array;
  /** `[DECODER_HIDDEN][DECODER_OUTPUTS]` row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/** The decoder's weights, for graphs and the reference renderer that evaluate it literally. */
export function analyticDecoderWeights(channels = TRIPLANE_CHANNELS): DecoderWeights {
  const w1 = new Float32Array(channels * DECODER_HIDDEN);
  const b1 = new Float32Array(DECODER_HIDDEN);
  const w2 = new Float32Array(DECODER_HIDDEN * DECODER_OUTPUTS);
  const b2 = new Float32Array(DECODER_OUTPUTS);
  const set1 = (input: number, hidden: number, value: number) => {
    w1[input * DECODER_HIDDEN + hidden] = value;
  };
  const set2 = (hidden: number, output: number, value: number) => {
    w2[hidden * DECODER_OUTPUTS + output] = value;
  };
  set1(0, 0, 1);
  set1(0, 1, -1);
  set1(1, 2, 1);
  set1(0, 2, -1);
  for (let k = 0; k < 3; k++) {
    set1(2 + k, 3 + k, 1);
    set1(2 + k, 6 + k, -1);
    set2(3 + k, 1 + k, 1);
    set2(6 + k, 1 + k, -1);
  }
  set2(0, 0, DENSITY_GAIN);
  set2(1, 0, -DENSITY_GAIN);
  set2(2, 0, DENSITY_GAIN);
  b2[0] = DENSITY_GAIN * DENSITY_OFFSET;
  return { w1, b1, w2, b2 };
}

/** Raw density from the two summed density features (what the MLP computes, in closed form). */
export function rawDensity(f0: number, f1: number): number {
  return DENSITY_GAIN * (Math.max(f0, f1) + DENSITY_OFFSET);
}

/** Summed density feature that gives raw density `raw` (inverse of `rawDensity` for one channel). */
export function densityFeatureFor(raw: number): number {
  return raw / DENSITY_GAIN - DENSITY_OFFSET;
}

/** Colour logit a writer stores (summed over planes) to get display colour `c` in [0, 1]. */
export function colorLogitFor(c: number): number {
  const clamped = Math.min(0.995, Math.max(0.005, (c + 0.001) / 1.002));
  return Math.log(clamped / (1 - clamped));
}
