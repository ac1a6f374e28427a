import {
  ErrorCode,
  HolocallError,
  MAX_ROOM_TOKEN_LENGTH,
  ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
  RoomTokenClaims,
  RoomTokenPayload,
} from '@holocall/protocol';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Room tokens: short-lived HS256 JWTs the web app issues and the SFU checks at join.
 * Claims on the wire: `sub` (user), `room`, `avatar`, `name`, `grants`, plus `iss`, `aud`,
 * `iat`, `exp`. This module has no mediasoup import so the web app can use it
 * (`import { signRoomToken } from '@holocall/sfu/tokens'`).
 */

export const ROOM_TOKEN_ISSUER = 'holocall-web';
export const ROOM_TOKEN_AUDIENCE = 'holocall-sfu';
/** HS256 wants a key at least as long as its hash. */
export const MIN_ROOM_TOKEN_SECRET_BYTES = 32;
/** Clock skew between the web app and the SFU that expiry checks forgive. */
export const ROOM_TOKEN_CLOCK_TOLERANCE_SECONDS = 5;

export interface VerifiedRoomToken {
  claims: RoomTokenClaims;
  expiresAt: Date;
}

function keyFrom(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_ROOM_TOKEN_SECRET_BYTES) {
    throw new Error(`room token secret must be at least ${MIN_ROOM_TOKEN_SECRET_BYTES} bytes`);
  }
  return key;
}

/**
 * Signs a room token. `ttlSeconds` is capped at ROOM_TOKEN_MAX_TTL_SECONDS; `issuedAt`
 * (seconds since the epoch) exists for tests that need an already-expired token.
 */
export async function signRoomToken(
  claims: RoomTokenClaims,
  secret: string,
  ttlSeconds: number = ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  options: { issuedAt?: number } = {},
): Promise<string> {
  const valid = RoomTokenClaims.parse(claims);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > ROOM_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer in 1..${ROOM_TOKEN_MAX_TTL_SECONDS}`);
  }
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { room: valid.roomId, avatar: valid.avatarId, grants: valid.grants };
  if (valid.displayName !== undefined) payload.name = valid.displayName;
  if (valid.maxPeers !== undefined) payload.max = valid.maxPeers;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(valid.userId)
    .setIssuer(ROOM_TOKEN_ISSUER)
    .setAudience(ROOM_TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keyFrom(secret));
}

/**
 * Verifies a room token and returns its claims. Throws HolocallError: `unauthenticated`
 * (missing, malformed, forged, wrong issuer or audience), `token_expired`, or `forbidden`
 * when `expectedRoom` is given and the token is for another room.
 */
export async function verifyRoomToken(
  token: string | undefined,
  secret: string,
  expectedRoom?: string,
): Promise<VerifiedRoomToken> {
  if (typeof token !== 'string' || token.length === 0) throw unauthenticated('a room token is required');
  if (token.length > MAX_ROOM_TOKEN_LENGTH) throw unauthenticated('room token is too long');
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keyFrom(secret), {
      algorithms: ['HS256'],
      issuer: ROOM_TOKEN_ISSUER,
      audience: ROOM_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: ROOM_TOKEN_CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new HolocallError(ErrorCode.TokenExpired, 'room token has expired', { cause: error });
    }
    throw unauthenticated('room token could not be verified', error);
  }
  const parsed = RoomTokenPayload.safeParse(payload);
  if (!parsed.success) throw unauthenticated('room token claims are malformed');
  const { sub, room, avatar, name, grants, max, exp } = parsed.data;
  if (expectedRoom !== undefined && room !== expectedRoom) {
    throw HolocallError.forbidden('room token is for another room', { room: expectedRoom });
  }
  const claims: RoomTokenClaims = { roomId: room, userId: sub, avatarId: avatar, grants };
  if (name !== undefined) claims.displayName = name;
  if (max !== undefined) claims.maxPeers = max;
  return { claims, expiresAt: new Date(exp * 1000) };
}

function unauthenticated(message: string, cause?: unknown): HolocallError {
  return new HolocallError(ErrorCode.Unauthenticated, message, { cause });
}
