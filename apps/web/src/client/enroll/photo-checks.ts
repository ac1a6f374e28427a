import { readImageHeader } from '@holocall/protocol';
import { MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE, MIN_PHOTO_SIDE } from '@/server/enrollment/limits';

/**
 * The same checks the server makes, run in the browser first so a person learns at once what
 * is wrong (the server still makes them: the browser is not trusted).
 */
export async function checkPhotoFile(file: Blob): Promise<string | null> {
  if (file.size > MAX_PHOTO_BYTES) return `The photo is over ${Math.round(MAX_PHOTO_BYTES / 1024 / 1024)} MB.`;
  const head = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  let info: ReturnType<typeof readImageHeader>;
  try {
    info = readImageHeader(head);
  } catch {
    return 'That is not a JPEG, PNG or WebP image.';
  }
  if (info.width * info.height > MAX_PHOTO_PIXELS) return 'The photo has too many pixels (over 25 megapixels).';
  if (Math.max(info.width, info.height) > MAX_PHOTO_SIDE) return 'The photo is too long on one side.';
  if (Math.min(info.width, info.height) < MIN_PHOTO_SIDE)
    return `The photo must be at least ${MIN_PHOTO_SIDE} pixels on each side.`;
  return null;
}
