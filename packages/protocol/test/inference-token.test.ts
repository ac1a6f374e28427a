import { describe, expect, it } from 'vitest';
import { INFERENCE_TOKEN_MAX_TTL_SECONDS, mintInferenceToken, verifyInferenceToken } from '../src/index';

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
