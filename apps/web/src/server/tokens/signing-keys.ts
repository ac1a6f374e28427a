import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  INFERENCE_TOKEN_CLOCK_SKEW_SECONDS,
  INFERENCE_TOKEN_MAX_TTL_SECONDS,
  ROOM_TOKEN_CLOCK_SKEW_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
  TOKEN_ALGORITHM,
} from '@holocall/protocol';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { z } from 'zod';

/**
 * The web app's token signing keys: ES256 key pairs kept only here, in
 * `<data dir>/signing-keys.json` (mode 0600, written whole: temp file, fsync, rename, fsync of
 * the folder). The public halves are published as a JWKS at /.well-known/jwks.json; the SFU
 * and the inference nodes check tokens against it and hold no key that can sign.
 *
 * Rotation with an overlap: tokens are signed with the newest key; when it is older than
 * SIGNING_KEY_ROTATION_SECONDS a new one is made. A retired key (one with a newer key beside
 * it) stays published until every token it can have signed has expired — the longest token
 * lifetime plus clock skew after it was retired (SIGNING_KEY_OVERLAP_SECONDS) — and is then
 * dropped from the file.
 */

export const SIGNING_KEYS_FILE = 'signing-keys.json';
/**
 * Cache-Control max-age of the published JWKS. Short: a verifier that sees an unknown `kid`
 * refetches anyway, and a dropped key should leave caches soon.
 */
export const JWKS_MAX_AGE_SECONDS = 60;
export const SIGNING_KEYS_FILE_MODE = 0o600;
/** The newest key signs for this long before a new key takes over. */
export const SIGNING_KEY_ROTATION_SECONDS = 30 * 24 * 60 * 60;
/** How long a retired key stays published: the longest-lived token it signed, plus clock skew. */
export const SIGNING_KEY_OVERLAP_SECONDS = Math.max(
  ROOM_TOKEN_MAX_TTL_SECONDS + ROOM_TOKEN_CLOCK_SKEW_SECONDS,
  INFERENCE_TOKEN_MAX_TTL_SECONDS + INFERENCE_TOKEN_CLOCK_SKEW_SECONDS,
);

const StoredKey = z.object({
  kid: z.string().min(1),
  /** ISO time the key was made. */
  createdAt: z.iso.datetime(),
  /** The private JWK (P-256, with `d`). */
  jwk: z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), d: z.string() }),
});
type StoredKey = z.infer<typeof StoredKey>;
const StoredKeys = z.object({ version: z.literal(1), keys: z.array(StoredKey) });

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

export interface PublicJwks {
  keys: JWK[];
}

export class SigningKeys {
  /** Newest first. */
  private keys: StoredKey[];
  /** Maintenance runs one at a time: two requests at the rotation time make one new key. */
  private maintaining: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    keys: StoredKey[],
  ) {
    this.keys = keys;
  }

  /** Reads the key file in `dataDir` (a damaged one stops the app, naming it) and rotates as due. */
  static async open(dataDir: string, now: Date = new Date()): Promise<SigningKeys> {
    const file = path.join(dataDir, SIGNING_KEYS_FILE);
    let keys: StoredKey[] = [];
    if (fs.existsSync(file)) {
      let parsed: ReturnType<typeof StoredKeys.safeParse>;
      try {
        parsed = StoredKeys.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      } catch (error) {
        throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix it or move it away`);
      }
      if (!parsed.success) throw new Error(`${file} is not a HoloCall signing key file; fix it or move it away`);
      keys = parsed.data.keys;
      if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
        fs.chmodSync(file, SIGNING_KEYS_FILE_MODE);
      }
    }
    const store = new SigningKeys(file, sortNewestFirst(keys));
    await store.maintain(now);
    return store;
  }

  /** The key to sign with now (rotating first when the newest is due). */
  async current(now: Date = new Date()): Promise<SigningKey> {
    await this.maintain(now);
    const newest = this.keys[0] as StoredKey;
    return { kid: newest.kid, privateKey: createPrivateKey({ key: newest.jwk, format: 'jwk' }) };
  }

  /** Every key still published (the newest and retired ones within their overlap), public halves only. */
  async publicJwks(now: Date = new Date()): Promise<PublicJwks> {
    await this.maintain(now);
    return {
      keys: this.keys.map((key) => {
        const { kty, crv, x, y } = createPublicKey({ key: key.jwk, format: 'jwk' }).export({ format: 'jwk' });
        return { kty, crv, x, y, kid: key.kid, alg: TOKEN_ALGORITHM, use: 'sig' } as JWK;
      }),
    };
  }

  private maintain(now: Date): Promise<void> {
    this.maintaining = this.maintaining.then(() => this.rotate(now));
    return this.maintaining;
  }

  /** Makes a new key when none is newer than the rotation period; drops keys past their overlap. */
  private async rotate(now: Date): Promise<void> {
    let changed = false;
    const newest = this.keys[0];
    if (!newest || now.getTime() - Date.parse(newest.createdAt) >= SIGNING_KEY_ROTATION_SECONDS * 1000) {
      this.keys.unshift(await newKey(now));
      changed = true;
    }
    // Key i was retired when key i-1 was made.
    const kept = this.keys.filter(
      (_key, i) =>
        i === 0 ||
        now.getTime() - Date.parse((this.keys[i - 1] as StoredKey).createdAt) < SIGNING_KEY_OVERLAP_SECONDS * 1000,
    );
    if (kept.length !== this.keys.length) {
      this.keys = kept;
      changed = true;
    }
    if (changed) writeFileAtomic(this.file, `${JSON.stringify({ version: 1, keys: this.keys }, null, 2)}\n`);
  }
}

async function newKey(now: Date): Promise<StoredKey> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as StoredKey['jwk'];
  // RFC 7638 thumbprint of the public key: a kid that names the key itself.
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  return { kid, createdAt: now.toISOString(), jwk };
}

function sortNewestFirst(keys: StoredKey[]): StoredKey[] {
  return [...keys].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** Temp file in the same folder (mode 0600 from its creation), fsync, rename over the target, fsync the folder. */
function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx', SIGNING_KEYS_FILE_MODE);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  if (process.platform !== 'win32') {
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}

let opened: { dataDir: string; keys: Promise<SigningKeys> } | undefined;

/** The web app's keys for its data directory, opened once. */
export function signingKeys(dataDir: string): Promise<SigningKeys> {
  if (opened?.dataDir !== dataDir) opened = { dataDir, keys: SigningKeys.open(dataDir) };
  return opened.keys;
}
