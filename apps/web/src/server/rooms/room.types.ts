import { z } from 'zod';
import { ROOM_SLUG_PATTERN } from '../ids';

export const DEFAULT_MAX_PEERS = 8;
export const MIN_PEERS = 2;
export const MAX_ROOM_NAME_LENGTH = 80;

export const RoomSlug = z.string().regex(ROOM_SLUG_PATTERN, 'not a room link');

/** What a member sees of a room. */
export const RoomView = z.strictObject({
  slug: z.string(),
  name: z.string(),
  maxPeers: z.number().int(),
  ownerName: z.string(),
  isOwner: z.boolean(),
  /** Members whose call page has been seen recently. */
  presentCount: z.number().int(),
  /** The shareable link, absolute. */
  link: z.string(),
});
export type RoomView = z.infer<typeof RoomView>;
