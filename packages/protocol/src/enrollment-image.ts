import {
  CROP_SIDE,
  ENROLLMENT_IMAGE_TYPES,
  MAX_CROP_BYTES,
  MAX_PHOTO_BYTES,
  MAX_PHOTO_PIXELS,
  MAX_PHOTO_SIDE,
  MIN_PHOTO_SIDE,
} from './enrollment-limits';
import { refuseEnrollment, refuseOverLimit } from './enrollment-refusal';
import { ErrorCode, HolocallError } from './errors';
import { type ImageHeader, readImageHeader, sniffImageType } from './image-header';

/**
 * The enrollment limits over an image's bytes and header, one function for the browser (before
 * upload, on the file's first bytes), the web server (on upload) and the inference node (before
 * it decodes): bytes, type by content (ENROLLMENT_IMAGE_TYPES), a readable header, pixels, the
 * longest and the shortest side. Nothing is decoded. Throws the HolocallError of
 * refuseEnrollment (details.reason an EnrollmentRejectReason) and nothing else.
 *
 * `totalBytes`: the file's whole size when `bytes` holds only its beginning (the browser reads
 * the header from a slice).
 */
export function checkEnrollmentImage(bytes: Uint8Array, totalBytes = bytes.byteLength): ImageHeader {
  if (totalBytes === 0) throw refuseEnrollment('photo_empty', 'the photo is empty');
  if (totalBytes > MAX_PHOTO_BYTES)
    throw refuseOverLimit('photo_too_large', 'photo (bytes)', MAX_PHOTO_BYTES, totalBytes);
  // Judged before the header is read, so a WebP (readable, not decodable by the node) is refused as its type.
  const type = sniffImageType(bytes);
  if (!type || !(ENROLLMENT_IMAGE_TYPES as readonly string[]).includes(type)) {
    throw refuseEnrollment('unsupported_type', 'the photo must be a JPEG or PNG image (judged by its content)', {
      ...(type ? { type } : {}),
    });
  }
  const header = readHeader(bytes, 'the photo');
  const pixels = header.width * header.height;
  if (pixels > MAX_PHOTO_PIXELS)
    throw refuseOverLimit('photo_too_many_pixels', 'photo (pixels)', MAX_PHOTO_PIXELS, pixels);
  const longest = Math.max(header.width, header.height);
  if (longest > MAX_PHOTO_SIDE)
    throw refuseOverLimit('photo_side_too_long', 'photo side (pixels)', MAX_PHOTO_SIDE, longest);
  if (Math.min(header.width, header.height) < MIN_PHOTO_SIDE) {
    throw refuseEnrollment('photo_side_too_short', `the photo must be at least ${MIN_PHOTO_SIDE} pixels on each side`, {
      width: header.width,
      height: header.height,
      min: MIN_PHOTO_SIDE,
    });
  }
  return header;
}

/** The aligned crop's limits: bytes, then exactly a CROP_SIDE x CROP_SIDE PNG by its header. */
export function checkEnrollmentCrop(bytes: Uint8Array): ImageHeader {
  if (bytes.byteLength > MAX_CROP_BYTES)
    throw refuseOverLimit('crop_too_large', 'aligned crop (bytes)', MAX_CROP_BYTES, bytes.byteLength);
  if (sniffImageType(bytes) === null)
    throw refuseEnrollment('unsupported_type', 'the aligned crop must be a PNG image (judged by its content)');
  const header = readHeader(bytes, 'the aligned crop');
  if (header.type !== 'image/png' || header.width !== CROP_SIDE || header.height !== CROP_SIDE) {
    throw refuseEnrollment('crop_not_aligned', `the aligned crop must be a ${CROP_SIDE}x${CROP_SIDE} PNG`, {
      type: header.type,
      width: header.width,
      height: header.height,
    });
  }
  return header;
}

/** The protocol's header reader, its refusals in enrollment words (the reader's reason kept as `problem`). */
function readHeader(bytes: Uint8Array, what: string): ImageHeader {
  try {
    return readImageHeader(bytes);
  } catch (error) {
    if (!(error instanceof HolocallError)) throw error;
    if (error.code === ErrorCode.UnsupportedMedia)
      throw refuseEnrollment('unsupported_type', `${what}: ${error.message}`);
    const problem = error.details?.reason;
    throw refuseEnrollment(
      problem === 'truncated' ? 'photo_truncated' : 'photo_corrupt',
      `${what} is not a readable image: ${error.message}`,
      { problem },
      error,
    );
  }
}
