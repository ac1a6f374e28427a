import type { Room, User } from '@holocall/db';
import type { RoomView } from './room.types';

export function roomLink(origin: string, slug: string): string {
  return `${origin}/r/${slug}`;
}

export function toRoomView(
  room: Room & { owner: Pick<User, 'displayName'> },
  viewerId: string,
  origin: string,
  presentCount: number,
): RoomView {
  return {
    slug: room.slug,
    name: room.name,
    maxPeers: room.maxPeers,
    ownerName: room.owner.displayName,
    isOwner: room.ownerId === viewerId,
    presentCount,
    link: roomLink(origin, room.slug),
  };
}
