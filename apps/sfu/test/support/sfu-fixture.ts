import type { RoomGrants, RoomTokenClaims } from '@holocall/protocol';
import type { SfuOptions } from '../../src/config/sfu-config';
import { type SfuHandle, startSfu } from '../../src/start-sfu';
import { signRoomToken } from '../../src/tokens/room-tokens';
import { SfuTestPeer } from './client/sfu-test-peer';

export const TEST_SECRET = 'test-room-token-secret-0123456789abcdef';

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
export function startTestSfu(options: Partial<SfuOptions> = {}): Promise<SfuHandle> {
  return startSfu({
    roomTokenSecret: TEST_SECRET,
    port: 0,
    rtcPort: 0,
    workers: 1,
    logLevel: (process.env.SFU_TEST_LOG_LEVEL as SfuOptions['logLevel']) ?? 'silent',
    roomEmptyGraceMs: 500,
    ...options,
  });
}

export function tokenFor(
  roomId: string,
  userId: string,
  options: {
    grants?: Partial<RoomGrants>;
    ttlSeconds?: number;
    issuedAt?: number;
    secret?: string;
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
  return signRoomToken(
    claims,
    options.secret ?? TEST_SECRET,
    options.ttlSeconds ?? 600,
    options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt },
  );
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
