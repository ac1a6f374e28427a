import type { RoomGrants, RoomTokenClaims } from '@holocall/protocol';
import {
  JwksTestServer,
  signTestRoomToken,
  type TestSigningKey,
  testSigningKey,
} from '@holocall/protocol/test-support/token-keys';
import type { SfuOptions } from '../../src/config/sfu-config';
import { type SfuHandle, startSfu } from '../../src/start-sfu';
import { SfuTestPeer } from './client/sfu-test-peer';

/**
 * The web app's part in these tests: one ES256 key pair per test file (the "web app's" key)
 * whose public half a JWKS server on loopback publishes over real HTTP; every test SFU is
 * pointed at it (SFU_JWKS_URL).
 */
let testKeys: Promise<{ key: TestSigningKey; jwks: JwksTestServer }> | undefined;

export function fixtureKeys(): Promise<{ key: TestSigningKey; jwks: JwksTestServer }> {
  testKeys ??= (async () => {
    const key = await testSigningKey('sfu-fixture');
    return { key, jwks: await JwksTestServer.start([key], { unref: true }) };
  })();
  return testKeys;
}

export const ALL_GRANTS: RoomGrants = {
  publishAudio: true,
  publishDriverFrames: true,
  publishVideo: true,
  subscribe: true,
};

/**
 * An SFU in this process for one test file: one worker, random HTTP port, free WebRTC ports,
 * quiet logs, short empty-room grace.
 */
export async function startTestSfu(options: Partial<SfuOptions> = {}): Promise<SfuHandle> {
  return startSfu({
    jwksUrl: (await fixtureKeys()).jwks.url,
    port: 0,
    rtcPort: 0,
    workers: 1,
    logLevel: (process.env.SFU_TEST_LOG_LEVEL as SfuOptions['logLevel']) ?? 'silent',
    roomEmptyGraceMs: 500,
    ...options,
  });
}

export async function tokenFor(
  roomId: string,
  userId: string,
  options: {
    grants?: Partial<RoomGrants>;
    ttlSeconds?: number;
    issuedAt?: number;
    /** Another signing key than the fixture's (a token from another server). */
    key?: TestSigningKey;
    maxPeers?: number;
  } = {},
): Promise<string> {
  const claims: RoomTokenClaims = {
    roomId,
    userId,
    avatarId: `avatar-${userId}`,
    displayName: userId,
    grants: { ...ALL_GRANTS, ...options.grants },
    ...(options.maxPeers === undefined ? {} : { maxPeers: options.maxPeers }),
  };
  const key = options.key ?? (await fixtureKeys()).key;
  return signTestRoomToken(key, claims, {
    ttlSeconds: options.ttlSeconds ?? 600,
    ...(options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt }),
  });
}

/** Connects and joins one peer. */
export async function joinedPeer(
  sfu: SfuHandle,
  roomId: string,
  userId: string,
  grants?: Partial<RoomGrants>,
): Promise<SfuTestPeer> {
  const peer = await SfuTestPeer.connect(sfu.url);
  await peer.join(roomId, await tokenFor(roomId, userId, grants ? { grants } : {}));
  return peer;
}

/** Polls `check` until it returns true (no timing assertion: only a generous upper bound). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
