import { ErrorCode, HolocallError } from '@holocall/protocol';
import type { CurrentUser } from '../auth/current-user';
import { prisma } from '../db';
import { countPresent } from './presence';
import { RoomSlug, type RoomView } from './room.types';
import { toRoomView } from './room-view';

export async function findRoomBySlug(slug: string) {
  if (!RoomSlug.safeParse(slug).success) throw new HolocallError(ErrorCode.NotFound, 'no such room');
  const db = await prisma();
  const room = await db.room.findUnique({ where: { slug }, include: { owner: { select: { displayName: true } } } });
  if (!room) throw new HolocallError(ErrorCode.NotFound, 'no such room');
  return room;
}

/** Anyone signed in who has the link may see the room's name and occupancy: the link is the invitation. */
export async function getRoom(slug: string, user: CurrentUser, origin: string): Promise<RoomView> {
  const room = await findRoomBySlug(slug);
  return toRoomView(room, user.userId, origin, await countPresent(await prisma(), room.id));
}
