import { describe, expect, it } from 'vitest';
import {
  type DriverFrame,
  type DriverFrameRejectReason,
  decodeDriverFrame,
  driverFrameByteLength,
  encodeDriverFrame,
  encodeDriverFrameInto,
  isSeqNewer,
  nextDriverFrameSeq,
  tryDecodeDriverFrame,
} from '../src/driver-frame';
import { HolocallError } from '../src/errors';
import {
  COMPACT_DRIVER_FRAME_MAX_BYTES,
  DRIVER_FRAME_HEADER_BYTES,
  MAX_DRIVER_FRAME_BYTES,
  MAX_LANDMARK_CODE_LENGTH,
  MAX_LATENT_CODE_LENGTH,
} from '../src/limits';
import {
  DRIVER_FRAME_QUANTIZATION,
  EXPRESSION_RANGE,
  EXPRESSION_STEP,
  fromFloat16Bits,
  LATENT_RANGE,
  ROTATION_STEP_RAD,
  TRANSLATION_RANGE_M,
  TRANSLATION_STEP_M,
  toFloat16Bits,
} from '../src/quantize';
import { prng, randomFrame, uniform } from './support/driver-frames';

const hex = (text: string) => Uint8Array.from(text.split(' ').map((b) => Number.parseInt(b, 16)));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

const POSE_ZERO = { rotation: [0, 0, 0], translation: [0, 0, 0.5] } as DriverFrame['pose'];

function frame(expression: DriverFrame['expression'], extra: Partial<DriverFrame> = {}): DriverFrame {
  return { seq: 1, captureTimeMs: 1_700_000_000_000, pose: POSE_ZERO, expression, ...extra };
}

function thrown(fn: () => unknown): HolocallError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    return error as HolocallError;
  }
  throw new Error('expected a HolocallError, nothing was thrown');
}

function expectReject(bytes: Uint8Array, reason: DriverFrameRejectReason): void {
  const error = thrown(() => decodeDriverFrame(bytes));
  expect(error.code).toBe('malformed_frame');
  expect(error.details?.reason).toBe(reason);
  const result = tryDecodeDriverFrame(bytes);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.details?.reason).toBe(reason);
}

/** Smallest difference between two angles, radians. */
const angleError = (a: number, b: number) => Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));

describe('driver frame wire format (golden vectors, computed independently with Python struct)', () => {
  it('lays out a landmark frame byte by byte', () => {
    const bytes = encodeDriverFrame({
      seq: 0x01020304,
      captureTimeMs: 1_700_000_000_123,
      pose: { rotation: [Math.PI / 2, -Math.PI / 4, 0], translation: [0.01, -0.02, 0.5] },
      expression: { kind: 'landmarks', code: Float32Array.of(1, -1, 0.5) },
    });
    expect(toHex(bytes)).toBe('01 01 03 00 04 03 02 01 7b 68 e5 cf 8b 01 00 40 00 e0 00 00 64 00 38 ff 88 13 7f 81 40');
  });

  it('lays out a latent frame (float16 little-endian)', () => {
    const bytes = encodeDriverFrame({
      seq: 7,
      captureTimeMs: 0,
      pose: { rotation: [0, 0, 0], translation: [0, 0, 0] },
      expression: { kind: 'latent', code: Float32Array.of(1, -2.5, 65504, 2 ** -24) },
    });
    expect(toHex(bytes)).toBe(
      '01 03 08 00 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 3c 00 c1 ff 7b 01 00',
    );
  });

  it('lays out a crop frame at the extremes of every range', () => {
    const extremes: DriverFrame = {
      seq: 2 ** 32 - 1,
      captureTimeMs: 2 ** 48 - 1,
      pose: { rotation: [Math.PI, -Math.PI, 0], translation: [TRANSLATION_RANGE_M, -TRANSLATION_RANGE_M, 0] },
      expression: { kind: 'crop', cropSeq: 0xdeadbeef },
    };
    const bytes = encodeDriverFrame(extremes);
    expect(toHex(bytes)).toBe(
      '01 02 04 00 ff ff ff ff ff ff ff ff ff ff ff 7f 01 80 00 00 ff 7f 01 80 00 00 ef be ad de',
    );
    const back = decodeDriverFrame(bytes);
    expect(back.seq).toBe(2 ** 32 - 1);
    expect(back.captureTimeMs).toBe(2 ** 48 - 1);
    expect(back.expression).toEqual({ kind: 'crop', cropSeq: 0xdeadbeef });
    expect(back.pose.translation[0]).toBeCloseTo(TRANSLATION_RANGE_M, 12);
  });
});

describe('driver frame round trips', () => {
  it('round-trips every payload kind', () => {
    const pose: DriverFrame['pose'] = { rotation: [0.3, -0.2, 0.1], translation: [0.05, -0.03, 0.62] };
    const cases: DriverFrame['expression'][] = [
      { kind: 'none' },
      { kind: 'landmarks', code: Float32Array.of(0.25) },
      { kind: 'landmarks', code: new Float32Array(MAX_LANDMARK_CODE_LENGTH).fill(-0.5) },
      { kind: 'crop', cropSeq: 0 },
      { kind: 'crop', cropSeq: 123_456 },
      { kind: 'latent', code: Float32Array.of(0.125) },
      { kind: 'latent', code: new Float32Array(MAX_LATENT_CODE_LENGTH).map((_, i) => i / 7 - 30) },
    ];
    for (const expression of cases) {
      const input = frame(expression, { pose, seq: 42, captureTimeMs: 1_731_000_000_001 });
      const bytes = encodeDriverFrame(input);
      expect(bytes.length).toBe(driverFrameByteLength(input));
      const output = decodeDriverFrame(bytes);
      expect(output.seq).toBe(42);
      expect(output.captureTimeMs).toBe(1_731_000_000_001);
      expect(output.expression.kind).toBe(expression.kind);
      if (expression.kind === 'crop') expect(output.expression).toEqual(expression);
      if (
        (expression.kind === 'landmarks' || expression.kind === 'latent') &&
        output.expression.kind === expression.kind
      ) {
        expect(output.expression.code).toBeInstanceOf(Float32Array);
        expect(output.expression.code.length).toBe(expression.code.length);
      }
      // Decoding is idempotent: the decoded frame re-encodes to the same bytes.
      expect(toHex(encodeDriverFrame(output))).toBe(toHex(bytes));
    }
  });

  it('keeps seq and captureTimeMs exact at their edges', () => {
    for (const seq of [0, 1, 2 ** 31, 2 ** 32 - 1]) {
      for (const captureTimeMs of [0, 2 ** 32 - 1, 2 ** 32, Date.UTC(2025, 0, 1), 2 ** 48 - 1]) {
        const back = decodeDriverFrame(encodeDriverFrame(frame({ kind: 'none' }, { seq, captureTimeMs })));
        expect(back.seq).toBe(seq);
        expect(back.captureTimeMs).toBe(captureTimeMs);
      }
    }
  });

  it('decodes from a view into a larger buffer (pooled Buffers, subarrays)', () => {
    const bytes = encodeDriverFrame(frame({ kind: 'landmarks', code: Float32Array.of(0.5, -0.25) }, { seq: 9 }));
    const pool = new Uint8Array(bytes.length + 20).fill(0xee);
    pool.set(bytes, 13);
    const back = decodeDriverFrame(pool.subarray(13, 13 + bytes.length));
    expect(back.seq).toBe(9);
    expect(Array.from((back.expression as { code: Float32Array }).code)).toEqual([
      Math.fround(64 / 127),
      Math.fround(-32 / 127),
    ]);
  });

  it('encodes into a caller buffer at an offset, and refuses a buffer too small', () => {
    const input = frame({ kind: 'crop', cropSeq: 5 });
    const target = new Uint8Array(64);
    const written = encodeDriverFrameInto(input, target, 3);
    expect(written).toBe(DRIVER_FRAME_HEADER_BYTES + 4);
    expect(toHex(target.subarray(3, 3 + written))).toBe(toHex(encodeDriverFrame(input)));
    expect(target[0]).toBe(0);
    const small = new Uint8Array(DRIVER_FRAME_HEADER_BYTES);
    expect(thrown(() => encodeDriverFrameInto(input, small)).code).toBe('bad_request');
    expect(small.every((b) => b === 0)).toBe(true);
  });
});

describe('quantization error bounds (measured on random in-range inputs)', () => {
  it('states bounds derived from the steps', () => {
    expect(DRIVER_FRAME_QUANTIZATION.rotationDeg).toBeGreaterThanOrEqual(((ROTATION_STEP_RAD / 2) * 180) / Math.PI);
    expect(DRIVER_FRAME_QUANTIZATION.rotationDeg).toBeLessThan(0.00275);
    expect(DRIVER_FRAME_QUANTIZATION.translationMm).toBeGreaterThanOrEqual(TRANSLATION_STEP_M * 500);
    expect(DRIVER_FRAME_QUANTIZATION.translationMm).toBeLessThan(0.0501);
    expect(DRIVER_FRAME_QUANTIZATION.expression).toBeGreaterThanOrEqual(EXPRESSION_STEP / 2);
    expect(DRIVER_FRAME_QUANTIZATION.expression).toBeLessThan(0.00394);
  });

  it('never exceeds the stated bounds, and the bounds are tight', () => {
    const random = prng(0xc0ffee);
    let rotationDeg = 0;
    let translationMm = 0;
    let expression = 0;
    let latentExcess = 0;
    for (let n = 0; n < 4000; n++) {
      const code = new Float32Array(MAX_LANDMARK_CODE_LENGTH);
      for (let i = 0; i < code.length; i++) code[i] = uniform(random, -EXPRESSION_RANGE, EXPRESSION_RANGE);
      const input = randomFrame(random, { kind: 'landmarks', code });
      const output = decodeDriverFrame(encodeDriverFrame(input));
      for (let i = 0; i < 3; i++) {
        const degrees = (angleError(input.pose.rotation[i]!, output.pose.rotation[i]!) * 180) / Math.PI;
        rotationDeg = Math.max(rotationDeg, degrees);
        translationMm = Math.max(
          translationMm,
          Math.abs(input.pose.translation[i]! - output.pose.translation[i]!) * 1000,
        );
      }
      const decoded = (output.expression as { code: Float32Array }).code;
      for (let i = 0; i < code.length; i++) expression = Math.max(expression, Math.abs(code[i]! - decoded[i]!));

      const latent = new Float32Array(16);
      for (let i = 0; i < latent.length; i++) latent[i] = (random() - 0.5) * 10 ** uniform(random, -9, 4.8);
      const back = decodeDriverFrame(encodeDriverFrame({ ...input, expression: { kind: 'latent', code: latent } }));
      const latentBack = (back.expression as { code: Float32Array }).code;
      for (let i = 0; i < latent.length; i++) {
        const bound = Math.max(
          DRIVER_FRAME_QUANTIZATION.latentRelative * Math.abs(latent[i]!),
          DRIVER_FRAME_QUANTIZATION.latentAbsolute,
        );
        latentExcess = Math.max(latentExcess, Math.abs(latent[i]! - latentBack[i]!) / bound);
      }
    }
    expect(rotationDeg).toBeLessThanOrEqual(DRIVER_FRAME_QUANTIZATION.rotationDeg);
    expect(translationMm).toBeLessThanOrEqual(DRIVER_FRAME_QUANTIZATION.translationMm);
    expect(expression).toBeLessThanOrEqual(DRIVER_FRAME_QUANTIZATION.expression);
    expect(latentExcess).toBeLessThanOrEqual(1);
    // Tight: the observed maxima come within 2% of the stated bounds, so the statement means something.
    expect(rotationDeg).toBeGreaterThan(0.98 * DRIVER_FRAME_QUANTIZATION.rotationDeg);
    expect(translationMm).toBeGreaterThan(0.98 * DRIVER_FRAME_QUANTIZATION.translationMm);
    expect(expression).toBeGreaterThan(0.98 * DRIVER_FRAME_QUANTIZATION.expression);
    expect(latentExcess).toBeGreaterThan(0.9);
  });

  it('holds the bounds at the ends of every range', () => {
    const code = Float32Array.of(EXPRESSION_RANGE, -EXPRESSION_RANGE, 0, EXPRESSION_STEP / 2);
    const input: DriverFrame = {
      seq: 0,
      captureTimeMs: 0,
      pose: {
        rotation: [Math.PI, -Math.PI, Math.PI - 1e-9],
        translation: [TRANSLATION_RANGE_M, -TRANSLATION_RANGE_M, 0],
      },
      expression: { kind: 'landmarks', code },
    };
    const output = decodeDriverFrame(encodeDriverFrame(input));
    for (let i = 0; i < 3; i++) {
      expect((angleError(input.pose.rotation[i]!, output.pose.rotation[i]!) * 180) / Math.PI).toBeLessThanOrEqual(
        DRIVER_FRAME_QUANTIZATION.rotationDeg,
      );
      expect(Math.abs(input.pose.translation[i]! - output.pose.translation[i]!) * 1000).toBeLessThanOrEqual(
        DRIVER_FRAME_QUANTIZATION.translationMm,
      );
    }
    const decoded = (output.expression as { code: Float32Array }).code;
    code.forEach((v, i) => {
      expect(Math.abs(v - decoded[i]!)).toBeLessThanOrEqual(DRIVER_FRAME_QUANTIZATION.expression);
    });
  });

  it('quantizes symmetrically: a value and its negation land on opposite integers', () => {
    const a = encodeDriverFrame(frame({ kind: 'landmarks', code: Float32Array.of(63.5 / 127, 0.0001) }));
    const b = encodeDriverFrame(frame({ kind: 'landmarks', code: Float32Array.of(-63.5 / 127, -0.0001) }));
    const view = (bytes: Uint8Array) => new Int8Array(bytes.buffer, DRIVER_FRAME_HEADER_BYTES, 2);
    expect(Array.from(view(a))).toEqual([64, 0]);
    expect(Array.from(view(b))).toEqual([-64, 0]);
  });
});

describe('driver frame limits', () => {
  it('fits a pose + maximum landmark code in the compact budget', () => {
    expect(MAX_LANDMARK_CODE_LENGTH).toBeGreaterThanOrEqual(36);
    const compact = frame({ kind: 'landmarks', code: new Float32Array(MAX_LANDMARK_CODE_LENGTH).fill(0.3) });
    const bytes = encodeDriverFrame(compact);
    expect(bytes.length).toBeLessThanOrEqual(COMPACT_DRIVER_FRAME_MAX_BYTES);
    expect(bytes.length).toBe(COMPACT_DRIVER_FRAME_MAX_BYTES);
  });

  it('keeps the largest frame of any kind within MAX_DRIVER_FRAME_BYTES', () => {
    const largest = frame({ kind: 'latent', code: new Float32Array(MAX_LATENT_CODE_LENGTH) });
    expect(encodeDriverFrame(largest).length).toBeLessThanOrEqual(MAX_DRIVER_FRAME_BYTES);
  });

  it('refuses codes over their limits (too_large) and empty codes (bad_request)', () => {
    const longLandmarks = frame({ kind: 'landmarks', code: new Float32Array(MAX_LANDMARK_CODE_LENGTH + 1) });
    const longLatent = frame({ kind: 'latent', code: new Float32Array(MAX_LATENT_CODE_LENGTH + 1) });
    for (const input of [longLandmarks, longLatent]) {
      const error = thrown(() => encodeDriverFrame(input));
      expect(error.code).toBe('too_large');
      expect(thrown(() => encodeDriverFrameInto(input, new Uint8Array(4096))).code).toBe('too_large');
    }
    for (const kind of ['landmarks', 'latent'] as const) {
      expect(thrown(() => encodeDriverFrame(frame({ kind, code: new Float32Array(0) }))).code).toBe('bad_request');
    }
  });
});

describe('encoder refuses what it cannot encode (bad_request)', () => {
  const bad: [string, DriverFrame][] = [
    ['seq -1', frame({ kind: 'none' }, { seq: -1 })],
    ['seq 2^32', frame({ kind: 'none' }, { seq: 2 ** 32 })],
    ['seq 1.5', frame({ kind: 'none' }, { seq: 1.5 })],
    ['seq NaN', frame({ kind: 'none' }, { seq: Number.NaN })],
    ['time -1', frame({ kind: 'none' }, { captureTimeMs: -1 })],
    ['time 2^48', frame({ kind: 'none' }, { captureTimeMs: 2 ** 48 })],
    ['time fractional', frame({ kind: 'none' }, { captureTimeMs: 1_700_000_000_000.5 })],
    ['cropSeq 2^32', frame({ kind: 'crop', cropSeq: 2 ** 32 })],
    ['cropSeq -1', frame({ kind: 'crop', cropSeq: -1 })],
    ['yaw NaN', frame({ kind: 'none' }, { pose: { rotation: [Number.NaN, 0, 0], translation: [0, 0, 1] } })],
    [
      'roll Infinity',
      frame({ kind: 'none' }, { pose: { rotation: [0, 0, Number.POSITIVE_INFINITY], translation: [0, 0, 1] } }),
    ],
    [
      'z -Infinity',
      frame({ kind: 'none' }, { pose: { rotation: [0, 0, 0], translation: [0, 0, Number.NEGATIVE_INFINITY] } }),
    ],
    ['code NaN', frame({ kind: 'landmarks', code: Float32Array.of(0, Number.NaN) })],
    ['latent Infinity', frame({ kind: 'latent', code: Float32Array.of(Number.POSITIVE_INFINITY) })],
    ['unknown kind', frame({ kind: 'video' } as unknown as DriverFrame['expression'])],
    ['missing pose', { ...frame({ kind: 'none' }), pose: undefined } as unknown as DriverFrame],
    ['short rotation', frame({ kind: 'none' }, { pose: { rotation: [0, 0], translation: [0, 0, 1] } as never })],
    ['code not an array', frame({ kind: 'landmarks', code: 5 } as never)],
  ];
  it.each(bad)('%s', (_, input) => {
    expect(thrown(() => encodeDriverFrame(input)).code).toBe('bad_request');
  });

  it('is not an object', () => {
    expect(thrown(() => encodeDriverFrame(null as never)).code).toBe('bad_request');
  });
});

describe('encoder wraps angles and clamps other finite measurements', () => {
  const decodePose = (rotation: number[], translation: number[]) =>
    decodeDriverFrame(encodeDriverFrame(frame({ kind: 'none' }, { pose: { rotation, translation } as never }))).pose;

  it('wraps angles into [-π, π] (the same rotation)', () => {
    const pose = decodePose([2 * Math.PI + 0.1, (-3 * Math.PI) / 2, 1e300], [0, 0, 1]);
    expect(pose.rotation[0]).toBeCloseTo(0.1, 4);
    expect(pose.rotation[1]).toBeCloseTo(Math.PI / 2, 4);
    expect(Math.abs(pose.rotation[2])).toBeLessThanOrEqual(Math.PI);
    expect(angleError(pose.rotation[2], 1e300 % (2 * Math.PI))).toBeLessThan(ROTATION_STEP_RAD);
  });

  it('clamps translation to ±TRANSLATION_RANGE_M', () => {
    const pose = decodePose([0, 0, 0], [5, -1e9, 3.2768]);
    expect(pose.translation).toEqual([TRANSLATION_RANGE_M, -TRANSLATION_RANGE_M, TRANSLATION_RANGE_M]);
  });

  it('clamps landmark values to ±EXPRESSION_RANGE and latent values to ±65504', () => {
    const landmarks = decodeDriverFrame(
      encodeDriverFrame(frame({ kind: 'landmarks', code: Float32Array.of(2.5, -7, 1.002) })),
    );
    expect(Array.from((landmarks.expression as { code: Float32Array }).code)).toEqual([1, -1, 1]);
    const latent = decodeDriverFrame(
      encodeDriverFrame(frame({ kind: 'latent', code: Float32Array.of(1e6, -3e38, 65519) })),
    );
    expect(Array.from((latent.expression as { code: Float32Array }).code)).toEqual([
      LATENT_RANGE,
      -LATENT_RANGE,
      65504,
    ]);
  });
});

describe('decoder rejects rather than guesses (malformed_frame)', () => {
  const valid = encodeDriverFrame(frame({ kind: 'landmarks', code: Float32Array.of(0.1, 0.2, 0.3) }));
  const patched = (bytes: Uint8Array, offset: number, ...values: number[]) => {
    const copy = bytes.slice();
    copy.set(values, offset);
    return copy;
  };
  const header = (kind: number, payload: number[]) => {
    const bytes = new Uint8Array(DRIVER_FRAME_HEADER_BYTES + payload.length);
    bytes.set([1, kind, payload.length & 0xff, payload.length >> 8]);
    bytes.set(payload, DRIVER_FRAME_HEADER_BYTES);
    return bytes;
  };

  it('accepts the unpatched frame', () => {
    expect(decodeDriverFrame(valid).seq).toBe(1);
  });

  it('not bytes', () => {
    for (const input of [null, undefined, 'abc', [1, 1, 0, 0], new ArrayBuffer(30), new Uint16Array(20), {}]) {
      expectReject(input as never, 'not_bytes');
    }
  });

  it('over MAX_DRIVER_FRAME_BYTES', () => {
    const big = header(3, new Array(MAX_DRIVER_FRAME_BYTES).fill(0));
    const error = thrown(() => decodeDriverFrame(big));
    expect(error.details).toMatchObject({ reason: 'too_large', limit: MAX_DRIVER_FRAME_BYTES });
    expectReject(new Uint8Array(MAX_DRIVER_FRAME_BYTES + 1).fill(1), 'too_large');
  });

  it('truncated', () => {
    expectReject(new Uint8Array(0), 'truncated');
    for (let length = 1; length < valid.length; length++) {
      expectReject(valid.subarray(0, length), 'truncated');
    }
  });

  it('wrong version', () => {
    expectReject(patched(valid, 0, 0), 'bad_version');
    expectReject(patched(valid, 0, 2), 'bad_version');
    expectReject(Uint8Array.of(2), 'bad_version');
  });

  it('unknown kind tag', () => {
    for (const tag of [4, 5, 127, 255]) expectReject(patched(valid, 1, tag), 'unknown_kind');
  });

  it('trailing bytes', () => {
    const longer = new Uint8Array(valid.length + 1);
    longer.set(valid);
    expectReject(longer, 'trailing_bytes');
    expectReject(patched(valid, 2, 2, 0), 'trailing_bytes');
  });

  it('length field beyond the bytes', () => {
    expectReject(patched(valid, 2, 4, 0), 'truncated');
    expectReject(patched(valid, 2, 0xff, 0xff), 'truncated');
  });

  it('payload length wrong for its kind', () => {
    expectReject(header(0, [0]), 'bad_length');
    expectReject(header(1, []), 'bad_length');
    expectReject(header(1, new Array(MAX_LANDMARK_CODE_LENGTH + 1).fill(0)), 'bad_length');
    expectReject(header(2, [0, 0, 0]), 'bad_length');
    expectReject(header(2, [0, 0, 0, 0, 0]), 'bad_length');
    expectReject(header(3, []), 'bad_length');
    expectReject(header(3, [0, 0, 0]), 'bad_length');
    expectReject(header(3, new Array(2 * MAX_LATENT_CODE_LENGTH + 2).fill(0)), 'bad_length');
  });

  it('accepts the longest payload of each kind', () => {
    expect(decodeDriverFrame(header(1, new Array(MAX_LANDMARK_CODE_LENGTH).fill(0))).expression.kind).toBe('landmarks');
    expect(decodeDriverFrame(header(3, new Array(2 * MAX_LATENT_CODE_LENGTH).fill(0))).expression.kind).toBe('latent');
  });

  it('reserved int16 (-32768) in any pose field', () => {
    for (let field = 0; field < 6; field++) expectReject(patched(valid, 14 + 2 * field, 0x00, 0x80), 'out_of_range');
  });

  it('reserved int8 (-128) in a landmark code', () => {
    expectReject(patched(valid, DRIVER_FRAME_HEADER_BYTES + 2, 0x80), 'out_of_range');
  });

  it('float16 NaN or Infinity in a latent code', () => {
    for (const bits of [0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xffff]) {
      expectReject(header(3, [0, 0, bits & 0xff, bits >> 8]), 'out_of_range');
    }
  });

  it('decodes every crop and timestamp value (all bit patterns are meaningful there)', () => {
    const bytes = header(2, [0xff, 0xff, 0xff, 0xff]);
    bytes.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 4);
    const decoded = decodeDriverFrame(bytes);
    expect(decoded.captureTimeMs).toBe(2 ** 48 - 1);
    expect(decoded.expression).toEqual({ kind: 'crop', cropSeq: 2 ** 32 - 1 });
  });

  it('tryDecodeDriverFrame returns the frame on success', () => {
    const result = tryDecodeDriverFrame(valid);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.frame.expression.kind).toBe('landmarks');
  });

  it('golden bytes decode to the documented values', () => {
    const decoded = decodeDriverFrame(
      hex('01 01 03 00 04 03 02 01 7b 68 e5 cf 8b 01 00 40 00 e0 00 00 64 00 38 ff 88 13 7f 81 40'),
    );
    expect(decoded.seq).toBe(0x01020304);
    expect(decoded.captureTimeMs).toBe(1_700_000_000_123);
    expect(decoded.pose.rotation[0]).toBeCloseTo(Math.PI / 2, 4);
    expect(decoded.pose.rotation[1]).toBeCloseTo(-Math.PI / 4, 4);
    expect(decoded.pose.translation).toEqual([0.01, -0.02, 0.5]);
  });
});

describe('sequence numbers', () => {
  it('wraps at 2^32', () => {
    expect(nextDriverFrameSeq(0)).toBe(1);
    expect(nextDriverFrameSeq(2 ** 32 - 1)).toBe(0);
  });

  it('compares across the wrap (RFC 1982)', () => {
    expect(isSeqNewer(1, 0)).toBe(true);
    expect(isSeqNewer(0, 1)).toBe(false);
    expect(isSeqNewer(5, 5)).toBe(false);
    expect(isSeqNewer(0, 2 ** 32 - 1)).toBe(true);
    expect(isSeqNewer(2 ** 32 - 1, 0)).toBe(false);
    expect(isSeqNewer(10, 2 ** 32 - 10)).toBe(true);
    expect(isSeqNewer(2 ** 31 - 1, 0)).toBe(true);
    expect(isSeqNewer(2 ** 31, 0)).toBe(false);
  });
});

describe('float16 conversion', () => {
  it('round-trips every finite float16 bit pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if (((bits >> 10) & 0x1f) === 0x1f) {
        expect(fromFloat16Bits(bits)).toBeNaN();
        continue;
      }
      const value = fromFloat16Bits(bits);
      if (toFloat16Bits(value) !== bits)
        expect.fail(`bits ${bits.toString(16)} -> ${value} -> ${toFloat16Bits(value)}`);
    }
  });

  it('rounds to the nearest float16, ties to even', () => {
    const random = prng(1234);
    const f32 = new Float32Array(1);
    for (let n = 0; n < 20_000; n++) {
      f32[0] = (random() - 0.5) * 10 ** uniform(random, -9, 4.8);
      const v = f32[0]!;
      const h = toFloat16Bits(v);
      const err = Math.abs(v - fromFloat16Bits(h));
      // Neighbours in magnitude (same sign) must not be closer.
      for (const neighbour of [h - 1, h + 1]) {
        if ((neighbour & 0x8000) !== (h & 0x8000) || ((neighbour >> 10) & 0x1f) === 31) {
          continue;
        }
        expect(err).toBeLessThanOrEqual(Math.abs(v - fromFloat16Bits(neighbour)));
      }
    }
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (1.0)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (1 + 2^-9)
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // subnormal tie -> even (0)
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie -> even
    expect(toFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the smallest normal
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
    expect(toFloat16Bits(1e-30)).toBe(0);
  });
});
