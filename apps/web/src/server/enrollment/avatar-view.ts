import type { Avatar } from '@holocall/db';
import type { AvatarView } from './enroll.types';

export function toAvatarView(avatar: Avatar): AvatarView {
  return {
    avatarId: avatar.id,
    ownerId: avatar.ownerId,
    avatarHash: avatar.photoHash,
    // Content-addressed: the hash in the URL makes each version its own immutable resource.
    photoUrl: `/api/avatars/${avatar.id}/photo?v=${avatar.photoHash.slice(0, 12)}`,
    cropUrl: avatar.cropHash ? `/api/avatars/${avatar.id}/crop?v=${avatar.cropHash.slice(0, 12)}` : null,
    photoType: avatar.photoType,
    width: avatar.photoWidth,
    height: avatar.photoHeight,
    createdAt: avatar.createdAt.toISOString(),
  };
}
