import { checkEnrollmentLandmarks } from '@holocall/face';
import {
  checkEnrollmentCrop,
  checkEnrollmentImage,
  type EnrollmentRejectReason,
  refuseEnrollment,
} from '@holocall/protocol';
import type { CurrentUser } from '../auth/current-user';
import { prisma } from '../db';
import { newId } from '../ids';
import { logger } from '../logger';
import { toAvatarView, withAvatarHash } from './avatar-view';
import { contentHash, removeContent, storeContent } from './content-store';
import type { EnrollFields, EnrollResponse } from './enroll.types';
import { normalizePhoto } from './normalize-photo';
import { refusePhotoOwnedByAnother } from './photo-ownership';

export interface EnrollInput {
  photo: Uint8Array;
  crop: Uint8Array | null;
  fields: EnrollFields;
}

function parseJson(text: string, what: string, reason: EnrollmentRejectReason): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw refuseEnrollment(reason, `${what} is not valid JSON`);
  }
}

function parseCamera(text: string | undefined): number[] | null {
  if (text === undefined) return null;
  const camera = parseJson(text, 'camera', 'camera_malformed');
  if (
    !Array.isArray(camera) ||
    camera.length !== 25 ||
    !camera.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw refuseEnrollment('camera_malformed', 'camera must be 25 finite numbers (EG3D convention)');
  }
  return camera as number[];
}

/**
 * Enrolls (or re-enrolls) the caller's photo. Re-enrolling replaces the avatar with a new
 * one under a new id, so every cache keyed by avatar id (the inference nodes' tri-planes,
 * browsers) sees a new avatar rather than stale data; files no other avatar uses are removed.
 */
export async function enroll(input: EnrollInput, user: CurrentUser, dataDir: string): Promise<EnrollResponse> {
  // The protocol's enrollment limits, the same the browser and the inference node check.
  const info = checkEnrollmentImage(input.photo);
  const { displayWidth, displayHeight } = input.fields;
  const sameSize = displayWidth === info.width && displayHeight === info.height;
  const rotated = displayWidth === info.height && displayHeight === info.width;
  if (!sameSize && !rotated) {
    throw refuseEnrollment('display_size_mismatch', 'the displayed size does not match the photo', {
      photo: [info.width, info.height],
      displayed: [displayWidth, displayHeight],
    });
  }
  // Face detection ran in the browser; the server checks that what it is told is one face that fits the photo.
  const landmarks = checkEnrollmentLandmarks(parseJson(input.fields.landmarks, 'landmarks', 'landmarks_malformed'), {
    width: displayWidth,
    height: displayHeight,
  });
  const camera = parseCamera(input.fields.camera);
  if (input.crop) checkEnrollmentCrop(input.crop);
  // Stored as a plain image of bounded size (the node's bounded decoder, orientation applied, landmarks carried along).
  const photo = normalizePhoto(input.photo, info, landmarks, { width: displayWidth, height: displayHeight });

  const db = await prisma();
  // Refused before anything is stored (a refused upload leaves no file); the check in the transaction orders concurrent ones.
  const sentHashes = [contentHash(photo.bytes), input.crop ? contentHash(input.crop) : null, contentHash(input.photo)];
  await refusePhotoOwnedByAnother(db, user.userId, sentHashes);
  const photoHash = await storeContent(dataDir, photo.bytes);
  const cropHash = input.crop ? await storeContent(dataDir, input.crop) : null;
  const { avatar, previous } = await db.$transaction(async (tx) => {
    // The stored bytes and the bytes sent: a photo downloaded from a call is refused however it was re-encoded.
    await refusePhotoOwnedByAnother(tx, user.userId, [photoHash, cropHash, contentHash(input.photo)]);
    const previous = await tx.avatar.findUnique({ where: { ownerId: user.userId } });
    if (previous) await tx.avatar.delete({ where: { id: previous.id } });
    const avatar = await tx.avatar.create({
      data: {
        id: newId('a'),
        ownerId: user.userId,
        photoHash,
        photoType: photo.type,
        photoWidth: photo.width,
        photoHeight: photo.height,
        cropHash,
        landmarks: Array.from(photo.landmarks),
        ...(camera ? { camera } : {}),
      },
    });
    return { avatar, previous };
  });
  // Stored again (a no-op when intact): a cleanup of the same bytes may have removed them between the store above and the commit.
  await storeContent(dataDir, photo.bytes);
  if (input.crop) await storeContent(dataDir, input.crop);
  if (previous) await removeUnused(dataDir, [previous.photoHash, previous.cropHash], [photoHash, cropHash]);
  logger.info('avatar enrolled', { user: user.userId, avatar: avatar.id, replaced: previous?.id ?? null });
  return { avatar: toAvatarView(await withAvatarHash(avatar)) };
}

async function removeUnused(dataDir: string, old: (string | null)[], kept: (string | null)[]): Promise<void> {
  const db = await prisma();
  for (const hash of old) {
    if (!hash || kept.includes(hash)) continue;
    const unused = async () =>
      (await db.avatar.count({ where: { OR: [{ photoHash: hash }, { cropHash: hash }] } })) === 0;
    // removeContent asks again once the file is aside: a re-upload of the same bytes may commit in between.
    if (await unused()) await removeContent(dataDir, hash, unused);
  }
}
