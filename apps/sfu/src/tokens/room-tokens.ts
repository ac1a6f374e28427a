import {
  HolocallError,
  MAX_ROOM_TOKEN_LENGTH,
  ROOM_TOKEN_AUDIENCE,
  ROOM_TOKEN_CLOCK_SKEW_SECONDS,
  type RoomTokenClaims,
  RoomTokenPayload,
  TOKEN_ISSUER,
  tokenRefused,
  verifySignedToken,
} from '@holocall/protocol';
import type { JWTVerifyGetKey } from 'jose';

/**
 * Room tokens: short-lived ES256 JWTs the web app signs (apps/web/src/server/tokens) and the
 * SFU checks at join against the web app's JWKS. Claims on the wire: `sub` (user), `room`,
 * `avatar`, `name`, `grants`, `max`, plus `iss`, `aud`, `iat`, `exp` (RoomTokenPayload in the
 * protocol). The SFU holds no key that can sign one.
 */

export const ROOM_TOKEN_ISSUER = TOKEN_ISSUER;
export { ROOM_TOKEN_AUDIENCE };

export interface VerifiedRoomToken {
  claims: RoomTokenClaims;
  expiresAt: Date;
}

/**
 * Verifies a room token against `keys` and returns its claims. Throws HolocallError:
 * `unauthenticated` (missing, malformed, forged, unknown key, HS256, wrong issuer or audience)
 * or `token_expired`, each with `details.reason`; `unavailable` when the keys cannot be
 * fetched; `forbidden` when `expectedRoom` is given and the token is for another room.
 */
export async function verifyRoomToken(
  token: unknown,
  keys: JWTVerifyGetKey,
  expectedRoom?: string,
  now?: Date,
): Promise<VerifiedRoomToken> {
  const payload = await verifySignedToken(token, keys, {
    what: 'room token',
    audience: ROOM_TOKEN_AUDIENCE,
    maxLength: MAX_ROOM_TOKEN_LENGTH,
    clockToleranceSeconds: ROOM_TOKEN_CLOCK_SKEW_SECONDS,
    ...(now ? { now } : {}),
  });
  const parsed = RoomTokenPayload.safeParse(payload);
  if (!parsed.success) throw tokenRefused('token_claims_invalid', 'room token claims are malformed');
  const { sub, room, avatar, name, grants, max, exp } = parsed.data;
  if (expectedRoom !== undefined && room !== expectedRoom) {
    throw HolocallError.forbidden('room token is for another room', { room: expectedRoom });
  }
  const claims: RoomTokenClaims = { roomId: room, userId: sub, avatarId: avatar, grants };
  if (name !== undefined) claims.displayName = name;
  if (max !== undefined) claims.maxPeers = max;
  return { claims, expiresAt: new Date(exp * 1000) };
}
