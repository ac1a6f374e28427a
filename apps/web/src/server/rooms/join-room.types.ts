import { RoomGrants } from '@holocall/protocol';
import { z } from 'zod';
import { RoomView } from './room.types';

export const JoinRoomResponse = z.strictObject({
  room: RoomView,
  /** The room's id, as the SFU knows it (the join request names it). */
  roomId: z.string(),
  self: z.strictObject({ userId: z.string(), displayName: z.string(), avatarId: z.string() }),
  grants: RoomGrants,
  roomToken: z.string(),
  roomTokenExpiresAt: z.string(),
  sfu: z.strictObject({ url: z.string() }),
  /** The viewer's own inference node (always on 127.0.0.1) and this page's credential for it. */
  inference: z.strictObject({ url: z.string(), token: z.string(), expiresAt: z.string() }),
});
export type JoinRoomResponse = z.infer<typeof JoinRoomResponse>;
