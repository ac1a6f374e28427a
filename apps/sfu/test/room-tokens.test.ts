import { ErrorCode, HolocallError, type RoomTokenClaims } from '@holocall/protocol';
import {
  JwksTestServer,
  signTestRoomToken,
  type TestSigningKey,
  testSigningKey,
} from '@holocall/protocol/test-support/token-keys';
import { createLogger, openTokenKeys, type TokenKeySet } from '@holocall/service';
import { RetryPolicy } from '@holocall/service/retry';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER, verifyRoomToken } from '../src/tokens/room-tokens';

const CLAIMS: RoomTokenClaims = {
  roomId: 'room-1',
  userId: 'user-1',
  avatarId: 'avatar-1',
  displayName: 'Ada',
  grants: { publishAudio: true, publishDriverFrames: true, publishVideo: false, subscribe: true },
};

async function refusalOf(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HolocallError)) throw new Error(`expected a HolocallError, got ${String(error)}`);
  return { code: error.code, reason: error.details?.reason };
}

const quiet = createLogger({ service: 'sfu-test', level: 'silent' });

/** The SFU's side over real HTTP: a key set fetched from a JWKS server on loopback, no cooldown. */
describe('room tokens against the web app JWKS', () => {
  let web: TestSigningKey;
  let jwks: JwksTestServer;
  let keys: TokenKeySet;
  beforeAll(async () => {
    web = await testSigningKey('web-1');
    jwks = await JwksTestServer.start([web]);
    keys = openTokenKeys(jwks.url, { logger: quiet, cooldownMs: 0 });
    await keys.ready;
  });
  afterAll(async () => {
    keys?.close();
    await jwks?.close();
  });

  it('round-trips claims and expiry', async () => {
    const token = await signTestRoomToken(web, CLAIMS, { ttlSeconds: 120 });
    const verified = await verifyRoomToken(token, keys.getKey, 'room-1');
    expect(verified.claims).toEqual(CLAIMS);
    const left = verified.expiresAt.getTime() - Date.now();
    expect(left).toBeGreaterThan(100_000);
    expect(left).toBeLessThanOrEqual(121_000);
  });

  it('omits an absent display name', async () => {
    const { displayName: _, ...withoutName } = CLAIMS;
    const verified = await verifyRoomToken(await signTestRoomToken(web, withoutName), keys.getKey);
    expect(verified.claims).toEqual(withoutName);
  });

  it('refuses missing, tampered, expired and wrong-room tokens with distinct codes and reasons', async () => {
    expect(await refusalOf(verifyRoomToken(undefined, keys.getKey))).toEqual({
      code: ErrorCode.Unauthenticated,
      reason: 'token_missing',
    });
    expect((await refusalOf(verifyRoomToken('x'.repeat(10_000), keys.getKey))).reason).toBe('token_malformed');
    const token = await signTestRoomToken(web, CLAIMS);
    expect(await refusalOf(verifyRoomToken(`${token.slice(0, -2)}AA`, keys.getKey))).toEqual({
      code: ErrorCode.Unauthenticated,
      reason: 'token_bad_signature',
    });
    const expired = await signTestRoomToken(web, CLAIMS, {
      ttlSeconds: 60,
      issuedAt: Math.floor(Date.now() / 1000) - 600,
    });
    expect(await refusalOf(verifyRoomToken(expired, keys.getKey))).toEqual({
      code: ErrorCode.TokenExpired,
      reason: 'token_expired',
    });
    expect((await refusalOf(verifyRoomToken(token, keys.getKey, 'room-2'))).code).toBe(ErrorCode.Forbidden);
  });

  it("refuses another server's token: its key is not published (token_unknown_key, after one refetch)", async () => {
    const other = await testSigningKey('other-server');
    const token = await signTestRoomToken(other, CLAIMS);
    const before = jwks.fetches;
    expect(await refusalOf(verifyRoomToken(token, keys.getKey))).toEqual({
      code: ErrorCode.Unauthenticated,
      reason: 'token_unknown_key',
    });
    expect(jwks.fetches).toBe(before + 1);
    // Another server's key under our kid: the signature does not verify.
    const impostor = await signTestRoomToken(other, CLAIMS, { kid: web.kid });
    expect((await refusalOf(verifyRoomToken(impostor, keys.getKey))).reason).toBe('token_bad_signature');
  });

  it('refuses an unknown kid', async () => {
    const token = await signTestRoomToken(web, CLAIMS, { kid: 'no-such-key' });
    expect((await refusalOf(verifyRoomToken(token, keys.getKey))).reason).toBe('token_unknown_key');
  });

  it('refuses HS256 (algorithm confusion), whatever its secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ room: 'room-1', avatar: 'a', grants: CLAIMS.grants })
      .setProtectedHeader({ alg: 'HS256', kid: web.kid })
      .setSubject('u1')
      .setIssuer(ROOM_TOKEN_ISSUER)
      .setAudience(ROOM_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(JSON.stringify(web.publicJwk)));
    expect(await refusalOf(verifyRoomToken(token, keys.getKey))).toEqual({
      code: ErrorCode.Unauthenticated,
      reason: 'token_wrong_algorithm',
    });
  });

  it('rotation: a token of the previous key verifies while it is published, and not after it is dropped', async () => {
    const next = await testSigningKey('web-2');
    const old = await signTestRoomToken(web, CLAIMS);
    // The web app started a new key and publishes both (the overlap).
    jwks.setKeys([next, web]);
    const fresh = await signTestRoomToken(next, CLAIMS);
    expect((await verifyRoomToken(fresh, keys.getKey)).claims.userId).toBe('user-1');
    expect((await verifyRoomToken(old, keys.getKey)).claims.userId).toBe('user-1');
    // The overlap is over: the web app dropped the old key. The cached key set is refreshed when
    // it goes stale; a fresh set (as after the cache age) no longer knows the old kid.
    jwks.setKeys([next]);
    const later = openTokenKeys(jwks.url, { logger: quiet, cooldownMs: 0 });
    try {
      await later.ready;
      expect((await refusalOf(verifyRoomToken(old, later.getKey))).reason).toBe('token_unknown_key');
      expect((await verifyRoomToken(fresh, later.getKey)).claims.userId).toBe('user-1');
    } finally {
      later.close();
      jwks.setKeys([web]);
    }
  });
});

describe('an unreachable JWKS', () => {
  it('is retried with the URL in each log line, and a token meanwhile is refused as unavailable', async () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 'sfu-test', level: 'info', sink: (line) => lines.push(line) });
    const url = 'http://127.0.0.1:9/.well-known/jwks.json';
    const keys = openTokenKeys(url, { logger, retry: new RetryPolicy({ delaysMs: [10], maxAttempts: 2 }) });
    try {
      await keys.ready;
      const errors = lines.map((line) => JSON.parse(line)).filter((line) => line.level === 'error');
      expect(errors.length).toBe(2);
      for (const line of errors) expect(line).toMatchObject({ url, msg: expect.stringMatching(/token keys/) });
      const web = await testSigningKey();
      expect(await refusalOf(verifyRoomToken(await signTestRoomToken(web, CLAIMS), keys.getKey))).toEqual({
        code: ErrorCode.Unavailable,
        reason: 'token_keys_unavailable',
      });
    } finally {
      keys.close();
    }
  });
});
