import type { RoomTokenClaims } from '@holocall/protocol';
import {
  JwksTestServer,
  signTestInferenceToken,
  signTestRoomToken,
  type TestSigningKey,
  testSigningKey,
} from '@holocall/protocol/test-support/token-keys';

/**
 * The web app's part in a bench: a signing key pair, its public half served as a JWKS over
 * loopback HTTP (the SFU's SFU_JWKS_URL, the node's INFERENCE_JWKS_URL), and the tokens the
 * web app would sign with it.
 */
export interface BenchKeys {
  key: TestSigningKey;
  jwksUrl: string;
  roomToken(claims: RoomTokenClaims, ttlSeconds?: number): Promise<string>;
  pageToken(origin: string, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchKeys(): Promise<BenchKeys> {
  const key = await testSigningKey('bench');
  const jwks = await JwksTestServer.start([key], { unref: true });
  return {
    key,
    jwksUrl: jwks.url,
    roomToken: (claims, ttlSeconds = 600) => signTestRoomToken(key, claims, { ttlSeconds }),
    pageToken: (origin, ttlSeconds = 600) => signTestInferenceToken(key, { origin }, { ttlSeconds }),
    close: () => jwks.close(),
  };
}
