import { describe, expect, it } from 'vitest';
import {
  decodeInferenceEnvelope,
  decodeRenderedFrame,
  ENROLLMENT_LANDMARK_COUNT,
  encodeDriverFrameEnvelope,
  encodeEnrollmentEnvelope,
  encodeRenderedFrame,
  encodeTriplaneEnvelope,
  INFERENCE_TOKEN_MAX_TTL_SECONDS,
  InferenceClientMessage,
  InferenceNodeMessage,
  MAX_ENROLLMENT_ENVELOPE_BYTES,
  MAX_ENROLLMENT_IMAGE_BYTES,
  MAX_ENROLLMENT_LANDMARKS,
  MAX_INFERENCE_BINARY_BYTES,
  MAX_PREVIEW_VIEWS,
  MAX_QUILT_VIEWS,
  MAX_RENDER_PIXELS,
  MAX_VIEW_SIDE,
  mintInferenceToken,
  TRIPLANE_UPLOAD_FLOATS,
  verifyInferenceToken,
} from './index';
import { MAX_DRIVER_FRAME_BYTES } from './limits';

const hash = 'ab'.repeat(16);

describe('inference control messages', () => {
  it('accepts each valid message', () => {
    const valid = [
      { type: 'hello', protocolVersion: 1, token: 'x' },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'synthetic-head' },
      { type: 'unregister-sender', peerId: 'p1' },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512 } },
      {
        type: 'set-view',
        peerId: 'p1',
        view: { kind: 'flat', width: 256, height: 256, camera: Array(25).fill(0), offset: { yaw: 0.1, pitch: -0.1 } },
      },
      { type: 'set-view', view: { kind: 'quilt', cols: 8, rows: 6, viewConeDeg: 40, tileWidth: 420, tileHeight: 560 } },
      { type: 'set-quality', level: 'auto', targetFps: 30 },
      { type: 'set-output', format: 'jpeg', jpegQuality: 80 },
      { type: 'get-stats' },
      { type: 'ping', nonce: 3 },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'enrollment' },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8 },
      {
        type: 'preview-avatar',
        requestId: 'r1',
        avatarHash: hash,
        views: MAX_PREVIEW_VIEWS,
        maxYawDeg: 30,
        pitchDeg: -5,
        tileSize: 256,
        format: 'jpeg',
      },
    ];
    for (const m of valid) expect(InferenceClientMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
  });

  it('refuses messages that cross a limit or carry unknown fields', () => {
    const invalid = [
      { type: 'hello', protocolVersion: 2, token: 'x' },
      { type: 'register-sender', peerId: 'p 1', avatarHash: hash, source: 'upload' },
      { type: 'register-sender', peerId: 'p1', avatarHash: 'XYZ', source: 'upload' },
      { type: 'set-view', view: { kind: 'flat', width: MAX_VIEW_SIDE + 1, height: 512 } },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512, offset: { yaw: 1, pitch: 0 } } },
      { type: 'set-view', view: { kind: 'flat', width: 512, height: 512, camera: [1, 2] } },
      {
        type: 'set-view',
        view: { kind: 'quilt', cols: MAX_QUILT_VIEWS, rows: 2, viewConeDeg: 40, tileWidth: 64, tileHeight: 64 },
      },
      {
        type: 'set-view',
        view: { kind: 'quilt', cols: 10, rows: 10, viewConeDeg: 40, tileWidth: 512, tileHeight: 512 },
      },
      { type: 'set-quality', level: 'ultra' },
      { type: 'set-output', format: 'gif' },
      { type: 'get-stats', extra: 1 },
      { type: 'launch-missiles' },
      { type: 'register-sender', peerId: 'p1', avatarHash: hash, source: 'photo' },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 0 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: MAX_PREVIEW_VIEWS + 1 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, maxYawDeg: 61 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, tileSize: 4096 },
      { type: 'preview-avatar', requestId: 'r1', avatarHash: hash, views: 8, format: 'rgba' },
    ];
    for (const m of invalid) expect(InferenceClientMessage.safeParse(m).success, JSON.stringify(m)).toBe(false);
    expect(10 * 10 * 512 * 512).toBeGreaterThan(MAX_RENDER_PIXELS);
  });

  it('accepts the node messages of enrollment registration and previews', () => {
    const valid = [
      { type: 'registered', peerId: 'p1', avatarHash: hash, cacheHit: false, awaitingUpload: false, liftMs: 700 },
      { type: 'register-progress', peerId: 'p1', avatarHash: hash, stage: 'lift', fraction: 0.5 },
      { type: 'preview-started', requestId: 'r1', avatarHash: hash, cacheHit: false, awaitingImage: true },
      { type: 'preview-progress', requestId: 'r1', stage: 'render', fraction: 0.9 },
      {
        type: 'preview-done',
        requestId: 'r1',
        avatarHash: hash,
        views: 2,
        cols: 2,
        rows: 1,
        tileWidth: 64,
        tileHeight: 64,
        format: 'png',
        yawsDeg: [-30, 30],
        pitchDeg: 0,
        lifted: true,
        liftMs: 650,
        renderMs: 300,
      },
      {
        type: 'welcome',
        protocolVersion: 1,
        node: {
          renderer: 'cpu',
          executionProvider: 'cpu',
          reenact: 'reference-classical-reenact',
          untrained: false,
          threads: 2,
          backend: { id: 'reference-classical', label: 'Classical reference model', trained: false },
        },
        limits: { maxSenders: 1, maxRenderPixels: 1, maxBinaryBytes: 1 },
      },
    ];
    for (const m of valid) expect(InferenceNodeMessage.safeParse(m).success, JSON.stringify(m)).toBe(true);
    expect(
      InferenceNodeMessage.safeParse({
        type: 'register-progress',
        peerId: 'p1',
        avatarHash: hash,
        stage: 'lift',
        fraction: 2,
      }).success,
    ).toBe(false);
  });
});

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
    const landmarks = Float32Array.from({ length: ENROLLMENT_LANDMARK_COUNT * 3 }, (_, i) => i * 0.5 - 7);
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
    const landmarks = new Float32Array(ENROLLMENT_LANDMARK_COUNT * 3);
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
    new DataView(huge.buffer).setUint32(ok.length - 4 - image.length, MAX_ENROLLMENT_IMAGE_BYTES + 1, true);
    expect(reason(huge)).toBe('too_large');
    expect(() =>
      encodeEnrollmentEnvelope({ ...upload, image: new Uint8Array(MAX_ENROLLMENT_IMAGE_BYTES + 1) }),
    ).toThrow(/over the limit/);
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

  it('round-trips a rendered frame header', () => {
    const header = {
      peerId: 'p1',
      seq: 4_000_000_000,
      captureTimeMs: 1_700_000_000_123,
      renderMs: 12.5,
      format: 'rgba' as const,
      quality: 'balanced' as const,
      layout: 'quilt' as const,
      cols: 2,
      rows: 1,
      width: 4,
      height: 2,
    };
    const image = Uint8Array.from({ length: 32 }, (_, i) => i);
    const decoded = decodeRenderedFrame(encodeRenderedFrame(header, image));
    expect(decoded.header).toEqual(header);
    expect(Array.from(decoded.image)).toEqual(Array.from(image));
    expect(() => decodeRenderedFrame(encodeRenderedFrame(header, image.subarray(0, 31)))).toThrow();
  });
});

describe('inference page tokens', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const origin = 'http://localhost:3000';
  const now = 1_800_000_000;

  it('verifies a token minted for the origin, within its lifetime', async () => {
    const token = await mintInferenceToken(secret, { origin, sub: 'u1', ttlSeconds: 600 }, now);
    await expect(verifyInferenceToken(token, secret, origin, now + 10)).resolves.toMatchObject({ origin, sub: 'u1' });
  });

  it('refuses expired, forged, foreign-origin, over-long and malformed tokens', async () => {
    const token = await mintInferenceToken(secret, { origin, ttlSeconds: 600 }, now);
    await expect(verifyInferenceToken(token, secret, origin, now + 600 + 31)).rejects.toMatchObject({
      code: 'token_expired',
    });
    await expect(verifyInferenceToken(token, `${secret}x`, origin, now)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(verifyInferenceToken(token, secret, 'http://evil.test', now)).rejects.toMatchObject({
      code: 'origin_refused',
    });
    const tampered = token.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`);
    await expect(verifyInferenceToken(tampered, secret, origin, now)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    for (const junk of ['', 'a.b', 'hc-inf1.!!.x', 'x'.repeat(2000)]) {
      await expect(verifyInferenceToken(junk, secret, origin, now)).rejects.toMatchObject({ code: 'unauthenticated' });
    }
    // Minting caps the lifetime; a token claiming more than the cap is refused.
    const capped = await mintInferenceToken(secret, { origin, ttlSeconds: 10 * INFERENCE_TOKEN_MAX_TTL_SECONDS }, now);
    await expect(
      verifyInferenceToken(capped, secret, origin, now + INFERENCE_TOKEN_MAX_TTL_SECONDS + 60),
    ).rejects.toMatchObject({
      code: 'token_expired',
    });
  });
});
