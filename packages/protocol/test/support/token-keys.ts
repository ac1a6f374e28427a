import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { INFERENCE_TOKEN_AUDIENCE } from '../../src/inference-token';
import { ROOM_TOKEN_AUDIENCE, type RoomTokenClaims, roomTokenBody } from '../../src/signaling';
import { JWKS_PATH, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../src/signed-tokens';

/**
 * Test signing keys: what the web app does with its own keys (apps/web/src/server/tokens),
 * for tests and benches of the services that only verify. A JwksTestServer publishes the public
 * halves over real HTTP on loopback, as the web app does at /.well-known/jwks.json.
 */
export interface TestSigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

export async function testSigningKey(kid: string = `test-${randomUUID()}`): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
  return { kid, privateKey, publicJwk };
}

export interface TestTokenOptions {
  audience: string;
  /** Defaults to 600. */
  ttlSeconds?: number;
  /** Unix seconds; an earlier one makes an expired token. */
  issuedAt?: number;
  /** Another `kid` in the header than the key's own (unknown-key tests). */
  kid?: string;
  issuer?: string;
}

/** Signs `body` exactly as given (no claim checks: tests also make tokens the signer would refuse). */
export function signTestToken(
  key: TestSigningKey,
  body: Record<string, unknown>,
  options: TestTokenOptions,
): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT(body)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT', kid: options.kid ?? key.kid })
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 600))
    .sign(key.privateKey);
}

export function signTestRoomToken(
  key: TestSigningKey,
  claims: RoomTokenClaims,
  options: Omit<TestTokenOptions, 'audience'> = {},
): Promise<string> {
  return signTestToken(key, roomTokenBody(claims), { audience: ROOM_TOKEN_AUDIENCE, ...options });
}

export function signTestInferenceToken(
  key: TestSigningKey,
  claims: { origin: string; sub?: string },
  options: Omit<TestTokenOptions, 'audience'> = {},
): Promise<string> {
  return signTestToken(key, { ...claims }, { audience: INFERENCE_TOKEN_AUDIENCE, ...options });
}

/** A JWKS over HTTP on 127.0.0.1 (a free port); `setKeys` changes what it publishes; `fetches` counts requests. */
export class JwksTestServer {
  fetches = 0;
  private keys: JWK[];

  private constructor(
    private readonly server: Server,
    keys: readonly TestSigningKey[],
  ) {
    this.keys = keys.map((key) => key.publicJwk);
  }

  /** `unref`: the server does not keep a test process alive (a fixture shared by a whole file). */
  static async start(keys: readonly TestSigningKey[], options: { unref?: boolean } = {}): Promise<JwksTestServer> {
    let self: JwksTestServer | undefined;
    const server = createServer((req, res) => {
      if (!self || req.url !== JWKS_PATH) {
        res.writeHead(404).end();
        return;
      }
      self.fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify({ keys: self.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    if (options.unref) server.unref();
    self = new JwksTestServer(server, keys);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${JWKS_PATH}`;
  }

  setKeys(keys: readonly TestSigningKey[]): void {
    this.keys = keys.map((key) => key.publicJwk);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
