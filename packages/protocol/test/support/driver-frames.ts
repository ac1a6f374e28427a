/**
 * Test-only helpers for the driver-frame tests: a seeded PRNG (failures reproduce from the
 * seed) and random valid frames. Not exported from the package.
 */
import type { DriverFrame, ExpressionPayload } from '../../src/driver-frame';
import { MAX_LANDMARK_CODE_LENGTH, MAX_LATENT_CODE_LENGTH } from '../../src/limits';
import { EXPRESSION_RANGE, TRANSLATION_RANGE_M } from '../../src/quantize';

/** mulberry32: small, fast, good enough for test inputs. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, maxExclusive: number): number {
  return Math.floor(random() * maxExclusive);
}

export function uniform(random: () => number, min: number, max: number): number {
  return min + (max - min) * random();
}

export function randomExpression(random: () => number): ExpressionPayload {
  switch (randomInt(random, 4)) {
    case 0:
      return { kind: 'none' };
    case 1: {
      const code = new Float32Array(1 + randomInt(random, MAX_LANDMARK_CODE_LENGTH));
      for (let i = 0; i < code.length; i++) code[i] = uniform(random, -EXPRESSION_RANGE, EXPRESSION_RANGE);
      return { kind: 'landmarks', code };
    }
    case 2:
      return { kind: 'crop', cropSeq: randomInt(random, 2 ** 32) };
    default: {
      // Short codes mostly, so fuzzing stays fast; now and then the maximum.
      const length = random() < 0.05 ? MAX_LATENT_CODE_LENGTH : 1 + randomInt(random, 24);
      const code = new Float32Array(length);
      for (let i = 0; i < code.length; i++) code[i] = (random() - 0.5) * 10 ** uniform(random, -8, 5);
      return { kind: 'latent', code };
    }
  }
}

export function randomFrame(
  random: () => number,
  expression: ExpressionPayload = randomExpression(random),
): DriverFrame {
  const r = TRANSLATION_RANGE_M;
  return {
    seq: randomInt(random, 2 ** 32),
    captureTimeMs: randomInt(random, 2 ** 48),
    pose: {
      rotation: [
        uniform(random, -Math.PI, Math.PI),
        uniform(random, -Math.PI, Math.PI),
        uniform(random, -Math.PI, Math.PI),
      ],
      translation: [uniform(random, -r, r), uniform(random, -r, r), uniform(random, -r, r)],
    },
    expression,
  };
}
