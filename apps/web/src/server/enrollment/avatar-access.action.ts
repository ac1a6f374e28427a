import { ErrorCode, HolocallError } from '@holocall/protocol';
import type { CurrentUser } from '../auth/current-user';
import { loadConfig } from '../config';
import { prisma } from '../db';
import { sharePresentRoom } from '../rooms/presence';
import { type AvatarWithHash, toAvatarView, withAvatarHash } from './avatar-view';
import { readContent } from './content-store';
import type { AvatarSourceResponse } from './enroll.types';

const notFound = () => new HolocallError(ErrorCode.NotFound, 'no such avatar');

/**
 * An avatar is visible to its owner and, while a call is shared, to the people present in a
 * room with the owner (they render it): both memberships not left and seen within the
 * presence window (rooms/presence.ts). Having shared a room once is not enough: a member who
 * left no longer sees the others' photos. To anyone else it does not exist: 404, not 403, so
 * ids cannot be probed.
 */
export async function findVisibleAvatar(avatarId: string, viewer: CurrentUser) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(avatarId)) throw notFound();
  const db = await prisma();
  const avatar = await db.avatar.findUnique({ where: { id: avatarId }, include: { owner: true } });
  if (!avatar) throw notFound();
  if (avatar.ownerId === viewer.userId) return avatar;
  if (!(await sharePresentRoom(db, viewer.userId, avatar.ownerId))) throw notFound();
  return avatar;
}

export async function avatarSource(avatarId: string, viewer: CurrentUser): Promise<AvatarSourceResponse> {
  const avatar = await findVisibleAvatar(avatarId, viewer);
  return {
    avatar: toAvatarView(await withAvatarHash(avatar)),
    displayName: avatar.owner.displayName,
    landmarks: avatar.landmarks as number[],
    camera: (avatar.camera as number[] | null) ?? null,
  };
}

export async function myAvatar(user: CurrentUser): Promise<AvatarWithHash | null> {
  const db = await prisma();
  const avatar = await db.avatar.findUnique({ where: { ownerId: user.userId } });
  return avatar && withAvatarHash(avatar);
}

/** The stored bytes of an avatar's photo or aligned crop, with the type to serve them as. */
export async function avatarImage(
  avatarId: string,
  which: 'photo' | 'crop',
  viewer: CurrentUser,
): Promise<{ bytes: Buffer; type: string; hash: string }> {
  const avatar = await findVisibleAvatar(avatarId, viewer);
  const hash = which === 'photo' ? avatar.photoHash : avatar.cropHash;
  if (!hash) throw new HolocallError(ErrorCode.NotFound, 'this avatar has no aligned crop yet');
  const bytes = await readContent(loadConfig().dataDir, hash);
  if (!bytes) throw new HolocallError(ErrorCode.NotFound, 'the image file is missing');
  return { bytes, type: which === 'photo' ? avatar.photoType : 'image/png', hash };
}
