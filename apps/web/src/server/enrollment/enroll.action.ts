import { ErrorCode, HolocallError, type ImageHeader, readImageHeader } from '@holocall/protocol';
import type { CurrentUser } from '../auth/current-user';
import { prisma } from '../db';
import { newId } from '../ids';
import { logger } from '../logger';
import { toAvatarView } from './avatar-view';
import { removeContent, storeContent } from './content-store';
import type { EnrollFields, EnrollResponse } from './enroll.types';
import { checkLandmarks } from './landmarks-check';
import { CROP_SIDE, MAX_CROP_BYTES, MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE, MIN_PHOTO_SIDE } from './limits';

export interface EnrollInput {
  photo: Uint8Array;
  crop: Uint8Array | null;
  fields: EnrollFields;
}

function header(bytes: Uint8Array, what: string): ImageHeader {
  try {
    return readImageHeader(bytes);
  } catch (error) {
    if (error instanceof HolocallError && error.code === ErrorCode.UnsupportedMedia) {
      throw new HolocallError(ErrorCode.UnsupportedMedia, `${what} must be a JPEG, PNG or WebP image`);
    }
    const details = error instanceof HolocallError ? error.details : undefined;
    throw HolocallError.badRequest(`${what} is not a readable image: ${(error as Error).message}`, details);
  }
}

/** Checks a photo by its bytes: type from content, byte size, pixel count, side lengths. */
export function checkPhoto(photo: Uint8Array): ImageHeader {
  if (photo.byteLength === 0) throw HolocallError.badRequest('the photo is empty');
  if (photo.byteLength > MAX_PHOTO_BYTES)
    throw HolocallError.tooLarge('photo (bytes)', MAX_PHOTO_BYTES, photo.byteLength);
  const info = header(photo, 'the photo');
  const pixels = info.width * info.height;
  if (pixels > MAX_PHOTO_PIXELS) throw HolocallError.tooLarge('photo (pixels)', MAX_PHOTO_PIXELS, pixels);
  if (Math.max(info.width, info.height) > MAX_PHOTO_SIDE) {
    throw HolocallError.tooLarge('photo side (pixels)', MAX_PHOTO_SIDE, Math.max(info.width, info.height));
  }
  if (Math.min(info.width, info.height) < MIN_PHOTO_SIDE) {
    throw HolocallError.badRequest(`the photo must be at least ${MIN_PHOTO_SIDE} pixels on each side`, {
      width: info.width,
      height: info.height,
    });
  }
  return info;
}

function checkCrop(crop: Uint8Array): void {
  if (crop.byteLength > MAX_CROP_BYTES)
    throw HolocallError.tooLarge('aligned crop (bytes)', MAX_CROP_BYTES, crop.byteLength);
  const info = header(crop, 'the aligned crop');
  if (info.type !== 'image/png' || info.width !== CROP_SIDE || info.height !== CROP_SIDE) {
    throw HolocallError.badRequest(`the aligned crop must be a ${CROP_SIDE}x${CROP_SIDE} PNG`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw HolocallError.badRequest(`${what} is not valid JSON`);
  }
}

function parseCamera(text: string | undefined): number[] | null {
  if (text === undefined) return null;
  const camera = parseJson(text, 'camera');
  if (
    !Array.isArray(camera) ||
    camera.length !== 25 ||
    !camera.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw HolocallError.badRequest('camera must be 25 finite numbers (EG3D convention)');
  }
  return camera as number[];
}

/**
 * Enrolls (or re-enrolls) the caller's photo. Re-enrolling replaces the avatar with a new
 * one under a new id, so every cache keyed by avatar id (the inference nodes' tri-planes,
 * browsers) sees a new avatar rather than stale data; files no other avatar uses are removed.
 */
export async function enroll(input: EnrollInput, user: CurrentUser, dataDir: string): Promise<EnrollResponse> {
  const info = checkPhoto(input.photo);
  const { displayWidth, displayHeight } = input.fields;
  const sameSize = displayWidth === info.width && displayHeight === info.height;
  const rotated = displayWidth === info.height && displayHeight === info.width;
  if (!sameSize && !rotated) {
    throw HolocallError.badRequest('the displayed size does not match the photo', {
      photo: [info.width, info.height],
      displayed: [displayWidth, displayHeight],
    });
  }
  const landmarks = checkLandmarks(parseJson(input.fields.landmarks, 'landmarks'), displayWidth, displayHeight);
  const camera = parseCamera(input.fields.camera);
  if (input.crop) checkCrop(input.crop);

  const photoHash = await storeContent(dataDir, input.photo);
  const cropHash = input.crop ? await storeContent(dataDir, input.crop) : null;
  const db = await prisma();
  const { avatar, previous } = await db.$transaction(async (tx) => {
    const previous = await tx.avatar.findUnique({ where: { ownerId: user.userId } });
    if (previous) await tx.avatar.delete({ where: { id: previous.id } });
    const avatar = await tx.avatar.create({
      data: {
        id: newId('a'),
        ownerId: user.userId,
        photoHash,
        photoType: info.type,
        photoWidth: displayWidth,
        photoHeight: displayHeight,
        cropHash,
        landmarks: Array.from(landmarks),
        ...(camera ? { camera } : {}),
      },
    });
    return { avatar, previous };
  });
  if (previous) await removeUnused(dataDir, [previous.photoHash, previous.cropHash], [photoHash, cropHash]);
  logger.info('avatar enrolled', { user: user.userId, avatar: avatar.id, replaced: previous?.id ?? null });
  return { avatar: toAvatarView(avatar) };
}

async function removeUnused(dataDir: string, old: (string | null)[], kept: (string | null)[]): Promise<void> {
  const db = await prisma();
  for (const hash of old) {
    if (!hash || kept.includes(hash)) continue;
    const users = await db.avatar.count({ where: { OR: [{ photoHash: hash }, { cropHash: hash }] } });
    if (users === 0) await removeContent(dataDir, hash);
  }
}
