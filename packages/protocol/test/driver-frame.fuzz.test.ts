/**
 * Fuzzing the driver-frame decoder with a seeded PRNG (change SEED to explore; a failure
 * message carries the seed, the case number and the bytes, so it reproduces).
 *
 * Every input must end in exactly one of:
 * - HolocallError(malformed_frame), and the independent reference validator below agrees
 *   the bytes are invalid;
 * - a decoded frame whose re-encoding is byte-identical to the input, and the reference
 *   validator agrees the bytes are valid.
 * Any other exception, a disagreement with the reference, or a lossy decode fails the test.
 */
import { describe, expect, it } from 'vitest';
import { decodeDriverFrame, encodeDriverFrame, tryDecodeDriverFrame } from '../src/driver-frame';
import { HolocallError } from '../src/errors';
import { prng, randomFrame, randomInt } from './support/driver-frames';

const SEED = 0x5eed_f00d;
const RANDOM_CASES = 150_000;
const MUTATION_CASES = 200_000;

/**
 * The version-1 format restated from the README table, written without the codec's code,
 * so a bug in the decoder's checks shows up as a disagreement.
 */
function referenceIsValid(b: Uint8Array): boolean {
  if (b.length < 26 || b.length > 1200 || b[0] !== 1) return false;
  const kind = b[1]!;
  const payload = b[2]! | (b[3]! << 8);
  if (b.length !== 26 + payload) return false;
  if (kind === 0 && payload !== 0) return false;
  if (kind === 1 && (payload < 1 || payload > 38)) return false;
  if (kind === 2 && payload !== 4) return false;
  if (kind === 3 && (payload < 2 || payload > 1024 || payload % 2 !== 0)) return false;
  if (kind > 3) return false;
  for (let offset = 14; offset < 26; offset += 2) {
    if (b[offset] === 0x00 && b[offset + 1] === 0x80) return false; // int16 -32768
  }
  if (kind === 1) {
    for (let i = 26; i < b.length; i++) if (b[i] === 0x80) return false; // int8 -128
  }
  if (kind === 3) {
    for (let i = 26; i < b.length; i += 2) if ((b[i + 1]! & 0x7c) === 0x7c) return false; // float16 exponent 31
  }
  return true;
}

interface Tally {
  accepted: number;
  rejected: number;
}

function check(bytes: Uint8Array, label: string, tally: Tally): void {
  const expected = referenceIsValid(bytes);
  let frame: ReturnType<typeof decodeDriverFrame>;
  try {
    frame = decodeDriverFrame(bytes);
  } catch (error) {
    if (!(error instanceof HolocallError) || error.code !== 'malformed_frame') {
      throw new Error(`${label}: escaped ${String(error)} for ${hex(bytes)}`);
    }
    if (expected) throw new Error(`${label}: rejected a valid frame (${String(error.details?.reason)}): ${hex(bytes)}`);
    tally.rejected++;
    return;
  }
  if (!expected) throw new Error(`${label}: accepted an invalid frame: ${hex(bytes)}`);
  const again = encodeDriverFrame(frame);
  if (again.length !== bytes.length || again.some((value, i) => value !== bytes[i])) {
    throw new Error(`${label}: lossy decode\n in  ${hex(bytes)}\n out ${hex(again)}`);
  }
  tally.accepted++;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 96), (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = randomInt(random, 256);
  return bytes;
}

/** Random bytes, often shaped like a frame (version 1, a plausible kind and length) to reach deep checks. */
function randomInput(random: () => number): Uint8Array {
  const shape = random();
  if (shape < 0.2) return randomBytes(random, randomInt(random, 80));
  if (shape < 0.23) return randomBytes(random, 1100 + randomInt(random, 200));
  const kind = randomInt(random, 5);
  const payload =
    kind === 3
      ? 2 * (1 + randomInt(random, 40)) - (random() < 0.1 ? 1 : 0)
      : kind === 2
        ? 4
        : kind === 0
          ? 0
          : randomInt(random, 45);
  const bytes = randomBytes(random, 26 + payload + (random() < 0.1 ? randomInt(random, 3) - 1 : 0));
  if (bytes.length > 0) bytes[0] = 1;
  if (bytes.length > 1) bytes[1] = kind;
  if (bytes.length > 3 && random() < 0.9) {
    bytes[2] = payload & 0xff;
    bytes[3] = payload >> 8;
  }
  return bytes;
}

function mutate(random: () => number, valid: Uint8Array): Uint8Array {
  const bytes = valid.slice();
  switch (randomInt(random, 7)) {
    case 0: {
      // 1 to 3 bit flips
      const flips = 1 + randomInt(random, 3);
      for (let i = 0; i < flips; i++) bytes[randomInt(random, bytes.length)]! ^= 1 << randomInt(random, 8);
      return bytes;
    }
    case 1:
      return bytes.slice(0, randomInt(random, bytes.length));
    case 2: {
      const extended = new Uint8Array(bytes.length + 1 + randomInt(random, 8));
      extended.set(bytes);
      extended.set(randomBytes(random, extended.length - bytes.length), bytes.length);
      return extended;
    }
    case 3: {
      const i = randomInt(random, bytes.length);
      const j = randomInt(random, bytes.length);
      const t = bytes[i]!;
      bytes[i] = bytes[j]!;
      bytes[j] = t;
      return bytes;
    }
    case 4:
      bytes[randomInt(random, bytes.length)] = randomInt(random, 256);
      return bytes;
    case 5: {
      // Rewrite the length field, keeping the bytes.
      const length = random() < 0.5 ? bytes.length - 26 + randomInt(random, 5) - 2 : randomInt(random, 0x10000);
      bytes[2] = length & 0xff;
      bytes[3] = (length >> 8) & 0xff;
      return bytes;
    }
    default: {
      // Plant a boundary value (reserved integers, float16 specials) at a random offset.
      const specials = [0x00, 0x80, 0x7f, 0xff, 0x7c, 0xfc, 0x7e];
      bytes[randomInt(random, bytes.length)] = specials[randomInt(random, specials.length)]!;
      return bytes;
    }
  }
}

describe('driver frame decoder fuzz', () => {
  it(`random byte arrays (${RANDOM_CASES}, seed ${SEED.toString(16)})`, () => {
    const random = prng(SEED);
    const tally: Tally = { accepted: 0, rejected: 0 };
    for (let n = 0; n < RANDOM_CASES; n++) check(randomInput(random), `seed ${SEED} random #${n}`, tally);
    // The generator must reach both outcomes, or the test proves little.
    expect(tally.accepted).toBeGreaterThan(RANDOM_CASES / 20);
    expect(tally.rejected).toBeGreaterThan(RANDOM_CASES / 4);
  });

  it(`mutated valid frames (${MUTATION_CASES}, seed ${(SEED + 1).toString(16)})`, () => {
    const random = prng(SEED + 1);
    const tally: Tally = { accepted: 0, rejected: 0 };
    let valid = encodeDriverFrame(randomFrame(random));
    for (let n = 0; n < MUTATION_CASES; n++) {
      if (n % 16 === 0) valid = encodeDriverFrame(randomFrame(random));
      check(mutate(random, valid), `seed ${SEED + 1} mutation #${n}`, tally);
    }
    expect(tally.accepted).toBeGreaterThan(MUTATION_CASES / 10);
    expect(tally.rejected).toBeGreaterThan(MUTATION_CASES / 4);
  });

  it('tryDecodeDriverFrame never throws, whatever it is given', () => {
    const random = prng(SEED + 2);
    const odd: unknown[] = [
      null,
      undefined,
      0,
      'frame',
      {},
      [],
      new ArrayBuffer(26),
      new Int8Array(26),
      new DataView(new ArrayBuffer(26)),
    ];
    for (const input of odd) expect(tryDecodeDriverFrame(input as Uint8Array).ok).toBe(false);
    for (let n = 0; n < 5000; n++) {
      const result = tryDecodeDriverFrame(randomInput(random));
      if (!result.ok) expect(result.error.code).toBe('malformed_frame');
    }
  });
});
