import { createLocalJWKSet, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ISSUER, type TokenRefusalReason, verifySignedToken } from '../src/index';
import { signTestToken, type TestSigningKey, testSigningKey } from './support/token-keys';

const AUDIENCE = 'holocall-test';
const EXPECT = { what: 'test token', audience: AUDIENCE, maxLength: 4096, clockToleranceSeconds: 5 };

async function reasonOf(promise: Promise<unknown>): Promise<{ code: string; reason: TokenRefusalReason } | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    const e = error as { code: string; details?: { reason: TokenRefusalReason } };
    return { code: e.code, reason: e.details?.reason as TokenRefusalReason };
  }
}

describe('signed tokens (ES256 against a JWKS)', () => {
  let ours: TestSigningKey;
  let theirs: TestSigningKey;
  let keys: ReturnType<typeof createLocalJWKSet>;
  beforeAll(async () => {
    ours = await testSigningKey('ours');
    theirs = await testSigningKey('theirs');
    keys = createLocalJWKSet({ keys: [ours.publicJwk] });
  });

  it('accepts a token signed by a published key', async () => {
    const token = await signTestToken(ours, { sub: 'u1' }, { audience: AUDIENCE });
    await expect(verifySignedToken(token, keys, EXPECT)).resolves.toMatchObject({ sub: 'u1', iss: TOKEN_ISSUER });
  });

  it('refuses a token from another server (its own key pair, its own kid): token_unknown_key', async () => {
    const token = await signTestToken(theirs, {}, { audience: AUDIENCE });
    expect(await reasonOf(verifySignedToken(token, keys, EXPECT))).toEqual({
      code: 'unauthenticated',
      reason: 'token_unknown_key',
    });
  });

  it("refuses another server's key under our kid: token_bad_signature", async () => {
    const token = await signTestToken(theirs, {}, { audience: AUDIENCE, kid: ours.kid });
    expect(await reasonOf(verifySignedToken(token, keys, EXPECT))).toEqual({
      code: 'unauthenticated',
      reason: 'token_bad_signature',
    });
  });

  it('refuses an expired token with token_expired', async () => {
    const token = await signTestToken(ours, {}, { audience: AUDIENCE, issuedAt: 1_000_000, ttlSeconds: 60 });
    expect(await reasonOf(verifySignedToken(token, keys, EXPECT))).toEqual({
      code: 'token_expired',
      reason: 'token_expired',
    });
  });

  it('refuses HS256 (algorithm confusion: the public key as an HMAC secret)', async () => {
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: ours.kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(ours.publicJwk)));
    expect(await reasonOf(verifySignedToken(hs, keys, EXPECT))).toEqual({
      code: 'unauthenticated',
      reason: 'token_wrong_algorithm',
    });
  });

  it('refuses the wrong audience or issuer, and junk', async () => {
    const other = await signTestToken(ours, {}, { audience: 'holocall-sfu' });
    expect(await reasonOf(verifySignedToken(other, keys, EXPECT))).toMatchObject({ reason: 'token_wrong_audience' });
    const issuer = await signTestToken(ours, {}, { audience: AUDIENCE, issuer: 'someone-else' });
    expect(await reasonOf(verifySignedToken(issuer, keys, EXPECT))).toMatchObject({ reason: 'token_wrong_issuer' });
    expect(await reasonOf(verifySignedToken('', keys, EXPECT))).toMatchObject({ reason: 'token_missing' });
    expect(await reasonOf(verifySignedToken('a.b.c', keys, EXPECT))).toMatchObject({ reason: 'token_malformed' });
    expect(await reasonOf(verifySignedToken('x'.repeat(5000), keys, EXPECT))).toMatchObject({
      reason: 'token_malformed',
    });
  });
});
