import { createLocalJWKSet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_TOKEN_MAX_TTL_SECONDS, verifyInferenceToken } from '../src/index';
import { signTestInferenceToken, type TestSigningKey, testSigningKey } from './support/token-keys';

describe('inference page tokens', () => {
  const origin = 'http://localhost:3000';
  const now = 1_800_000_000;
  const at = (seconds: number) => new Date(seconds * 1000);
  let key: TestSigningKey;
  let keys: ReturnType<typeof createLocalJWKSet>;
  beforeAll(async () => {
    key = await testSigningKey('k1');
    keys = createLocalJWKSet({ keys: [key.publicJwk] });
  });

  it('verifies a token signed for the origin, within its lifetime', async () => {
    const token = await signTestInferenceToken(key, { origin, sub: 'u1' }, { issuedAt: now });
    await expect(verifyInferenceToken(token, keys, origin, at(now + 10))).resolves.toMatchObject({ origin, sub: 'u1' });
  });

  it('refuses expired, foreign-origin, over-long and malformed tokens, with a reason', async () => {
    const token = await signTestInferenceToken(key, { origin }, { issuedAt: now, ttlSeconds: 600 });
    await expect(verifyInferenceToken(token, keys, origin, at(now + 600 + 31))).rejects.toMatchObject({
      code: 'token_expired',
      details: { reason: 'token_expired' },
    });
    await expect(verifyInferenceToken(token, keys, 'http://evil.test', at(now))).rejects.toMatchObject({
      code: 'origin_refused',
    });
    const tampered = token.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`);
    await expect(verifyInferenceToken(tampered, keys, origin, at(now))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    for (const junk of ['', 'a.b', 'hc-inf1.!!.x', 'x'.repeat(2000), undefined, 7]) {
      await expect(verifyInferenceToken(junk, keys, origin, at(now))).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    }
    // A token claiming more than the cap is refused, however it was signed.
    const long = await signTestInferenceToken(
      key,
      { origin },
      { issuedAt: now, ttlSeconds: INFERENCE_TOKEN_MAX_TTL_SECONDS + 3600 },
    );
    await expect(verifyInferenceToken(long, keys, origin, at(now + 60))).rejects.toMatchObject({
      code: 'unauthenticated',
      details: { reason: 'token_claims_invalid' },
    });
  });

  it('refuses a room token (wrong audience)', async () => {
    const { signTestRoomToken } = await import('./support/token-keys');
    const grants = { publishAudio: true, publishDriverFrames: true, publishVideo: false, subscribe: true };
    const room = await signTestRoomToken(key, { roomId: 'r1', userId: 'u1', avatarId: 'a1', grants });
    await expect(verifyInferenceToken(room, keys, origin)).rejects.toMatchObject({
      code: 'unauthenticated',
      details: { reason: 'token_wrong_audience' },
    });
  });
});
