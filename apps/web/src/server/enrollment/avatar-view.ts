import type { Avatar } from '@holocall/db';
import { avatarHashFromImageDigest } from '@holocall/protocol';
import type { AvatarView } from './enroll.types';

/** An avatar row with the avatar hash it is declared under. */
export type AvatarWithHash = Avatar & { avatarHash: string };

/**
 * The avatar hash receivers' inference nodes cache this avatar's lift under: the protocol's
 * avatar content hash (avatar-hash.ts) of the stored photo (its sha256 is the row's
 * photoHash, the bytes photoUrl serves), its landmarks and its displayed size (the landmark
 * space the page sends). A node computes the same from what the page sends it, so an honest
 * page's envelope always matches, and no account can declare the hash of another's content.
 */
export async function withAvatarHash<A extends Avatar>(avatar: A): Promise<A & { avatarHash: string }> {
  const avatarHash = await avatarHashFromImageDigest(
    avatar.photoHash,
    { width: avatar.photoWidth, height: avatar.photoHeight },
    avatar.landmarks as number[],
  );
  return { ...avatar, avatarHash };
}

export function toAvatarView(avatar: AvatarWithHash): AvatarView {
  return {
    avatarId: avatar.id,
    ownerId: avatar.ownerId,
    avatarHash: avatar.avatarHash,
    // Content-addressed: the hash in the URL makes each version its own immutable resource.
    photoUrl: `/api/avatars/${avatar.id}/photo?v=${avatar.photoHash.slice(0, 12)}`,
    cropUrl: avatar.cropHash ? `/api/avatars/${avatar.id}/crop?v=${avatar.cropHash.slice(0, 12)}` : null,
    photoType: avatar.photoType,
    width: avatar.photoWidth,
    height: avatar.photoHeight,
    createdAt: avatar.createdAt.toISOString(),
  };
}
