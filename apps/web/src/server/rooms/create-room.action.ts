import type { CurrentUser } from '../auth/current-user';
import { prisma } from '../db';
import { rateLimits } from '../http/rate-limits';
import { newId, newRoomSlug } from '../ids';
import { logger } from '../logger';
import type { CreateRoomRequest, CreateRoomResponse } from './create-room.types';
import { toRoomView } from './room-view';

/** Creates a room owned by `user`, within ROOMS_PER_ACCOUNT_PER_HOUR and `address`'s ROOMS_PER_ADDRESS_PER_HOUR. */
export async function createRoom(
  input: CreateRoomRequest,
  user: CurrentUser,
  origin: string,
  address: string,
): Promise<CreateRoomResponse> {
  const limits = await rateLimits();
  await limits.spend('rooms_per_account', user.userId);
  await limits.spend('rooms_per_address', address);
  const db = await prisma();
  const room = await db.room.create({
    data: {
      id: newId('r'),
      slug: newRoomSlug(),
      name: input.name,
      maxPeers: input.maxPeers,
      ownerId: user.userId,
      // The owner is a member from the start, but not in the call until they join it.
      memberships: { create: { id: newId('m'), userId: user.userId, role: 'owner', leftAt: new Date() } },
    },
    include: { owner: { select: { displayName: true } } },
  });
  logger.info('room created', { room: room.id, owner: user.userId, maxPeers: room.maxPeers });
  return { room: toRoomView(room, user.userId, origin, 0) };
}
