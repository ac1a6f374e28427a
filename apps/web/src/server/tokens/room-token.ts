import { ROOM_TOKEN_DEFAULT_TTL_SECONDS, type RoomGrants, type RoomTokenClaims } from '@holocall/protocol';
// The SFU's own token module (no mediasoup import): one implementation signs and verifies.
import { signRoomToken } from '@holocall/sfu/tokens';

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

export async function issueRoomToken(claims: RoomTokenClaims, secret: string): Promise<IssuedRoomToken> {
  const ttl = ROOM_TOKEN_DEFAULT_TTL_SECONDS;
  const token = await signRoomToken(claims, secret, ttl);
  return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
}
