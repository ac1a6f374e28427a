import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyInferenceToken } from '@holocall/protocol';
import { verifyRoomToken } from '@holocall/sfu/tokens';
import { createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { GET as jwksRoute } from '../src/app/api/jwks/route';
import { issueInferenceToken } from '../src/server/tokens/inference-token';
import { issueRoomToken, MEMBER_GRANTS } from '../src/server/tokens/room-token';
import {
  JWKS_MAX_AGE_SECONDS,
  SIGNING_KEY_OVERLAP_SECONDS,
  SIGNING_KEY_ROTATION_SECONDS,
  SIGNING_KEYS_FILE,
  SigningKeys,
} from '../src/server/tokens/signing-keys';
import { call, useTestApp } from './support/app';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-keys-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const ORIGIN = 'http://localhost:3000';
const at = (t0: Date, seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('the web app signing keys', () => {
  it('are made once into the data dir (mode 0600), each a JWK with a kid and its creation time', async () => {
    const dir = tempDir();
    const keys = await SigningKeys.open(dir);
    const file = path.join(dir, SIGNING_KEYS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(stored.keys).toHaveLength(1);
    expect(stored.keys[0]).toMatchObject({ kid: expect.any(String), createdAt: expect.any(String) });
    const again = await SigningKeys.open(dir);
    expect((await again.publicJwks()).keys.map((k) => k.kid)).toEqual((await keys.publicJwks()).keys.map((k) => k.kid));
    expect(fs.readdirSync(dir)).toEqual([SIGNING_KEYS_FILE]);
  });

  it('publish public halves only, and refuse a damaged file by name', async () => {
    const dir = tempDir();
    const jwks = await (await SigningKeys.open(dir)).publicJwks();
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    fs.writeFileSync(path.join(dir, SIGNING_KEYS_FILE), '{"keys": 3}');
    await expect(SigningKeys.open(dir)).rejects.toThrow(SIGNING_KEYS_FILE);
  });

  it('rotate with an overlap: the previous key verifies its tokens until all of them have expired, then is dropped', async () => {
    const dir = tempDir();
    const t0 = new Date('2030-01-01T00:00:00Z');
    const keys = await SigningKeys.open(dir, t0);
    const firstKid = (await keys.current(t0)).kid;
    // Signed with the first key just before it is retired.
    const beforeRotation = at(t0, SIGNING_KEY_ROTATION_SECONDS - 60);
    const old = await issueInferenceToken({ userId: 'u1', origin: ORIGIN }, keys, { now: beforeRotation });
    expect(decodeProtectedHeader(old.token).kid).toBe(firstKid);

    const rotated = at(t0, SIGNING_KEY_ROTATION_SECONDS);
    const secondKid = (await keys.current(rotated)).kid;
    expect(secondKid).not.toBe(firstKid);
    const during = createLocalJWKSet(await keys.publicJwks(at(rotated, 60)));
    await expect(verifyInferenceToken(old.token, during, ORIGIN, at(rotated, 60))).resolves.toMatchObject({
      sub: 'u1',
    });
    const fresh = await issueRoomToken({ roomId: 'r1', userId: 'u1', avatarId: 'a1', grants: MEMBER_GRANTS }, keys, {
      now: at(rotated, 60),
    });
    expect(decodeProtectedHeader(fresh.token).kid).toBe(secondKid);
    await expect(verifyRoomToken(fresh.token, during, 'r1', at(rotated, 61))).resolves.toBeDefined();

    // Every token the first key signed has expired: it is no longer published, nor kept in the file.
    const after = at(rotated, SIGNING_KEY_OVERLAP_SECONDS + 1);
    const published = await keys.publicJwks(after);
    expect(published.keys.map((k) => k.kid)).toEqual([secondKid]);
    await expect(
      verifyInferenceToken(old.token, createLocalJWKSet(published), ORIGIN, at(rotated, 60)),
    ).rejects.toMatchObject({ code: 'unauthenticated', details: { reason: 'token_unknown_key' } });
    const stored = JSON.parse(fs.readFileSync(path.join(dir, SIGNING_KEYS_FILE), 'utf8'));
    expect(stored.keys.map((k: { kid: string }) => k.kid)).toEqual([secondKid]);
  });

  it('the overlap covers the longest token lifetime plus clock skew', () => {
    expect(SIGNING_KEY_OVERLAP_SECONDS).toBeGreaterThan(12 * 60 * 60);
    expect(SIGNING_KEY_ROTATION_SECONDS).toBeGreaterThan(SIGNING_KEY_OVERLAP_SECONDS);
  });
});

describe('GET /.well-known/jwks.json', () => {
  useTestApp();

  it('serves the public keys as a JWKS with a short cache lifetime', async () => {
    const res = await call(jwksRoute, 'GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(`public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys) expect(key).not.toHaveProperty('d');
  });
});
