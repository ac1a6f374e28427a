import { ErrorCode, HolocallError, ROOM_TOKEN_MAX_TTL_SECONDS, type RoomTokenClaims } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { signRoomToken, verifyRoomToken } from '../src/tokens/room-tokens';

const SECRET = 'unit-test-room-token-secret-0123456789';
const CLAIMS: RoomTokenClaims = {
  roomId: 'room-1',
  userId: 'user-1',
  avatarId: 'avatar-1',
  displayName: 'Ada',
  grants: { publishAudio: true, publishDriverFrames: true, publishVideo: false, subscribe: true },
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HolocallError)) throw new Error(`expected a HolocallError, got ${String(error)}`);
  return error.code;
}

describe('room tokens', () => {
  it('round-trips claims and expiry', async () => {
    const token = await signRoomToken(CLAIMS, SECRET, 120);
    const verified = await verifyRoomToken(token, SECRET, 'room-1');
    expect(verified.claims).toEqual(CLAIMS);
    const left = verified.expiresAt.getTime() - Date.now();
    expect(left).toBeGreaterThan(100_000);
    expect(left).toBeLessThanOrEqual(121_000);
  });

  it('omits an absent display name', async () => {
    const { displayName: _, ...withoutName } = CLAIMS;
    const verified = await verifyRoomToken(await signRoomToken(withoutName, SECRET), SECRET);
    expect(verified.claims).toEqual(withoutName);
  });

  it('refuses missing, forged, expired and wrong-room tokens with distinct codes', async () => {
    expect(await codeOf(verifyRoomToken(undefined, SECRET))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(verifyRoomToken('', SECRET))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(verifyRoomToken('x'.repeat(10_000), SECRET))).toBe(ErrorCode.Unauthenticated);
    const token = await signRoomToken(CLAIMS, SECRET);
    expect(await codeOf(verifyRoomToken(token, `${SECRET}-other`))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(verifyRoomToken(`${token.slice(0, -2)}AA`, SECRET))).toBe(ErrorCode.Unauthenticated);
    const expired = await signRoomToken(CLAIMS, SECRET, 60, { issuedAt: Math.floor(Date.now() / 1000) - 600 });
    expect(await codeOf(verifyRoomToken(expired, SECRET))).toBe(ErrorCode.TokenExpired);
    expect(await codeOf(verifyRoomToken(token, SECRET, 'room-2'))).toBe(ErrorCode.Forbidden);
  });

  it('refuses to sign bad claims, bad lifetimes and short secrets', async () => {
    await expect(signRoomToken({ ...CLAIMS, roomId: 'bad room' }, SECRET)).rejects.toThrow();
    await expect(signRoomToken(CLAIMS, SECRET, 0)).rejects.toThrow(RangeError);
    await expect(signRoomToken(CLAIMS, SECRET, ROOM_TOKEN_MAX_TTL_SECONDS + 1)).rejects.toThrow(RangeError);
    await expect(signRoomToken(CLAIMS, 'short')).rejects.toThrow(/at least 32 bytes/);
  });
});
