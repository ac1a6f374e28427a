import type { PrismaClient } from '@holocall/db';
import { refuseEnrollment } from '@holocall/protocol';

type Tx = Pick<PrismaClient, 'avatar' | '$executeRaw'>;

/**
 * Nobody enrolls a photo another account has enrolled: room peers may download each other's
 * photos and crops, and enrolling those bytes as one's own would show that face under one's
 * own name. Refuses (conflict, photo_owned_by_another_account) when any of `hashes` (the stored
 * photo's and crop's sha256) is another account's photo or crop; re-enrolling one's own is fine.
 * Call it inside the enrollment's transaction: the advisory lock per photo makes two accounts
 * that enroll the same bytes at once take turns, so the second sees the first.
 */
export async function refusePhotoOwnedByAnother(tx: Tx, userId: string, hashes: (string | null)[]): Promise<void> {
  const owned = hashes.filter((h): h is string => h !== null);
  for (const hash of [...new Set(owned)].sort()) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`photo:${hash}`}))`;
  }
  const other = await tx.avatar.findFirst({
    where: { ownerId: { not: userId }, OR: [{ photoHash: { in: owned } }, { cropHash: { in: owned } }] },
    select: { id: true },
  });
  // Which account owns it is not said: that would tell who enrolled a given photo.
  if (other) throw refuseEnrollment('photo_owned_by_another_account', 'this photo is enrolled by another account');
}
