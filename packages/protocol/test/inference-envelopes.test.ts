import { describe, expect, it } from 'vitest';
import {
  decodeInferenceEnvelope,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  encodeTriplaneEnvelope,
  LANDMARK_COUNT,
  MAX_DRIVER_FRAME_BYTES,
  MAX_ENROLLMENT_ENVELOPE_BYTES,
  MAX_ENROLLMENT_LANDMARKS,
  MAX_INFERENCE_BINARY_BYTES,
  MAX_PHOTO_BYTES,
  TRIPLANE_UPLOAD_FLOATS,
} from '../src/index';

const hash = 'ab'.repeat(16);

describe('binary envelopes', () => {
  it('round-trips a driver frame envelope', () => {
    const frame = Uint8Array.from([1, 2, 3, 4, 5]);
    const env = decodeInferenceEnvelope(encodeDriverFrameEnvelope('peer_A-1', frame));
    expect(env).toEqual({ kind: 'driver-frame', peerId: 'peer_A-1', frame });
  });

  it('round-trips a tri-plane upload', () => {
    const data = new Float32Array(TRIPLANE_UPLOAD_FLOATS);
    data[0] = 1.5;
    data[TRIPLANE_UPLOAD_FLOATS - 1] = -2.25;
    for (const peer of ['p', 'pe', 'pee', 'peer']) {
      const env = decodeInferenceEnvelope(encodeTriplaneEnvelope(peer, hash, data));
      expect(env.kind).toBe('triplane');
      if (env.kind !== 'triplane') return;
      expect(env.peerId).toBe(peer);
      expect(env.avatarHash).toBe(hash);
      expect(env.data[0]).toBe(1.5);
      expect(env.data[TRIPLANE_UPLOAD_FLOATS - 1]).toBe(-2.25);
    }
  });

  it('rejects truncated, oversized, wrong-version, unknown-kind and non-finite envelopes', () => {
    const ok = encodeDriverFrameEnvelope('p1', Uint8Array.from([9]));
    const reason = (bytes: Uint8Array) => {
      try {
        decodeInferenceEnvelope(bytes);
        return 'accepted';
      } catch (e) {
        return (e as { code: string; details?: { reason?: string } }).details?.reason ?? (e as { code: string }).code;
      }
    };
    expect(reason(ok.subarray(0, 2))).toBe('truncated');
    expect(reason(ok.subarray(0, 5))).toBe('truncated');
    expect(reason(Uint8Array.from([2, ...ok.subarray(1)]))).toBe('bad_version');
    expect(reason(Uint8Array.from([1, 7, ...ok.subarray(2)]))).toBe('unknown_kind');
    expect(reason(Uint8Array.from([1, 1, 2, 0x20, 0x21, 5]))).toBe('bad_field');
    const big = new Uint8Array(3 + 2 + MAX_DRIVER_FRAME_BYTES + 1);
    big.set([1, 1, 2, 0x70, 0x31]);
    expect(reason(big)).toBe('too_large');
    expect(reason(new Uint8Array(MAX_INFERENCE_BINARY_BYTES + 1))).toBe('too_large');
    const tri = encodeTriplaneEnvelope('p1', hash, new Float32Array(TRIPLANE_UPLOAD_FLOATS));
    expect(reason(tri.subarray(0, tri.length - 4))).toBe('bad_length');
    const nan = tri.slice();
    new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true);
    expect(reason(nan)).toBe('out_of_range');
  });

  it('round-trips an enrollment envelope for each purpose and id length', () => {
    const landmarks = Float32Array.from({ length: LANDMARK_COUNT * 3 }, (_, i) => i * 0.5 - 7);
    const image = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    for (const [purpose, id] of [
      ['register', 'p'],
      ['preview', 'req-12'],
      ['register', 'peer'],
      ['preview', 'abc'],
    ] as const) {
      const env = decodeInferenceEnvelope(
        encodeEnrollmentEnvelope({
          purpose,
          id,
          avatarHash: hash,
          landmarkSpace: { width: 640, height: 480 },
          landmarks,
          image,
        }),
      );
      expect(env).toEqual({
        kind: 'enrollment',
        purpose,
        id,
        avatarHash: hash,
        landmarkSpace: { width: 640, height: 480 },
        landmarks,
        image,
      });
    }
    expect(MAX_ENROLLMENT_ENVELOPE_BYTES).toBeLessThan(MAX_INFERENCE_BINARY_BYTES);
  });

  it('rejects enrollment envelopes that lie about lengths or cross a limit', () => {
    const landmarks = new Float32Array(LANDMARK_COUNT * 3);
    const image = Uint8Array.from([1, 2, 3, 4]);
    const upload = {
      purpose: 'register' as const,
      id: 'p1',
      avatarHash: hash,
      landmarkSpace: { width: 4, height: 4 },
      landmarks,
      image,
    };
    const ok = encodeEnrollmentEnvelope(upload);
    const reason = (bytes: Uint8Array) => {
      try {
        decodeInferenceEnvelope(bytes);
        return 'accepted';
      } catch (e) {
        return (e as { code: string; details?: { reason?: string } }).details?.reason ?? (e as { code: string }).code;
      }
    };
    expect(reason(ok)).toBe('accepted');
    expect(reason(ok.subarray(0, ok.length - 1))).toBe('bad_length');
    expect(reason(Uint8Array.from([...ok, 0]))).toBe('bad_length');
    expect(reason(ok.subarray(0, 40))).toBe('truncated');
    const badPurpose = ok.slice();
    badPurpose[2] = 9;
    expect(reason(badPurpose)).toBe('bad_field');
    const nan = ok.slice();
    const floatsAt = ok.length - 4 - image.length - landmarks.length * 4;
    new DataView(nan.buffer).setFloat32(floatsAt + 8, Number.NaN, true);
    expect(reason(nan)).toBe('out_of_range');
    // An image length over the limit is refused before anything is read.
    const huge = ok.slice();
    new DataView(huge.buffer).setUint32(ok.length - 4 - image.length, MAX_PHOTO_BYTES + 1, true);
    // ... as the enrollment refusal photo_too_large, under the too_large code.
    expect(reason(huge)).toBe('photo_too_large');
    expect(() => decodeInferenceEnvelope(huge)).toThrow(expect.objectContaining({ code: 'too_large' }));
    expect(() => encodeEnrollmentEnvelope({ ...upload, image: new Uint8Array(MAX_PHOTO_BYTES + 1) })).toThrow(
      /over the limit/,
    );
    expect(() => encodeEnrollmentEnvelope({ ...upload, image: new Uint8Array(MAX_PHOTO_BYTES + 1) })).toThrow(
      expect.objectContaining({ code: 'too_large', details: expect.objectContaining({ reason: 'photo_too_large' }) }),
    );
    expect(() =>
      encodeEnrollmentEnvelope({ ...upload, landmarks: new Float32Array((MAX_ENROLLMENT_LANDMARKS + 1) * 3) }),
    ).toThrow(/over the limit/);
    expect(() => encodeEnrollmentEnvelope({ ...upload, landmarks: new Float32Array(10) })).toThrow(/triples/);
    expect(() => encodeEnrollmentEnvelope({ ...upload, id: 'not an id' })).toThrow(/id/);
  });

  it('never throws anything but typed errors on random bytes', () => {
    let seed = 1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: rand() % 40 }, rand);
      if (n % 3 === 0 && bytes.length > 1) bytes[0] = 1;
      if (n % 6 === 0 && bytes.length > 2) bytes[1] = 3;
      try {
        decodeInferenceEnvelope(bytes);
      } catch (e) {
        expect(['malformed_frame', 'too_large']).toContain((e as { code: string }).code);
      }
    }
  });
});
