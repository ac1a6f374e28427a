import {
  ROOM_TOKEN_AUDIENCE,
  ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
  type RoomGrants,
  type RoomTokenClaims,
  roomTokenBody,
} from '@holocall/protocol';
import { signToken } from './sign-token';
import type { SigningKeys } from './signing-keys';

/** What every member gets: voice and driver frames both ways. Crop-mode video is not offered by this app yet. */
export const MEMBER_GRANTS: RoomGrants = {
  publishAudio: true,
  publishDriverFrames: true,
  publishVideo: false,
  subscribe: true,
};

export interface IssuedRoomToken {
  token: string;
  expiresAt: string;
}

/**
 * A room token for the SFU: an ES256 JWT signed with the web app's current key (its `kid` in
 * the header), checked by the SFU against /.well-known/jwks.json. `ttlSeconds` is capped at
 * ROOM_TOKEN_MAX_TTL_SECONDS.
 */
export async function issueRoomToken(
  claims: RoomTokenClaims,
  keys: SigningKeys,
  options: { ttlSeconds?: number; now?: Date } = {},
): Promise<IssuedRoomToken> {
  const ttl = options.ttlSeconds ?? ROOM_TOKEN_DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > ROOM_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer in 1..${ROOM_TOKEN_MAX_TTL_SECONDS}`);
  }
  return signToken(keys, roomTokenBody(claims), { audience: ROOM_TOKEN_AUDIENCE, ttlSeconds: ttl, now: options.now });
}
