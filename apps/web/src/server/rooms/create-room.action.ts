import type { CurrentUser } from '../auth/current-user';
import { prisma } from '../db';
import { newId, newRoomSlug } from '../ids';
import { logger } from '../logger';
import type { CreateRoomRequest, CreateRoomResponse } from './create-room.types';
import { toRoomView } from './room-view';

export async function createRoom(
  input: CreateRoomRequest,
  user: CurrentUser,
  origin: string,
): Promise<CreateRoomResponse> {
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
