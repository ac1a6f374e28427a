import { MAX_PEERS_PER_ROOM } from '@holocall/protocol';
import { z } from 'zod';
import { DEFAULT_MAX_PEERS, MAX_ROOM_NAME_LENGTH, MIN_PEERS, RoomView } from './room.types';

export const CreateRoomRequest = z.strictObject({
  name: z.string().trim().min(1, 'a room name is required').max(MAX_ROOM_NAME_LENGTH),
  maxPeers: z.number().int().min(MIN_PEERS).max(MAX_PEERS_PER_ROOM).default(DEFAULT_MAX_PEERS),
});
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

export const CreateRoomResponse = z.strictObject({ room: RoomView });
export type CreateRoomResponse = z.infer<typeof CreateRoomResponse>;
