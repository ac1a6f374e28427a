import {
  ErrorCode,
  HolocallError,
  MAX_ENROLLMENT_IMAGE_BYTES,
  MAX_ENROLLMENT_IMAGE_PIXELS,
  MAX_ENROLLMENT_IMAGE_SIDE,
  MIN_ENROLLMENT_IMAGE_SIDE,
  readImageHeader as parseImageHeader,
  sniffImageType,
} from '@holocall/protocol';

/**
 * What an enrollment image is, judged by its content and read from its header alone (nothing is
 * decoded yet; the parsing is @holocall/protocol's, shared with the web app), with this node's
 * limits checked: type (PNG or JPEG, the two it decodes, else unsupported_media), bytes, sides
 * and pixels (too_large, bad_request). `width` and `height` are as displayed: a JPEG's EXIF
 * orientation is applied, as browsers do (the tracker ran on the displayed image).
 */
export interface ImageHeader {
  type: 'png' | 'jpeg';
  /** Stored size. */
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation 1..8 (1: as stored). */
  orientation: number;
  /** Displayed size (sides swapped for orientations 5 to 8). */
  width: number;
  height: number;
}

/** The protocol's header, with this node's words on a header it cannot read (details kept). */
function parse(bytes: Uint8Array) {
  try {
    return parseImageHeader(bytes);
  } catch (error) {
    if (error instanceof HolocallError && error.code === ErrorCode.BadRequest)
      throw HolocallError.badRequest(`enrollment image: ${error.message}`, error.details);
    throw error;
  }
}

export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length > MAX_ENROLLMENT_IMAGE_BYTES)
    throw HolocallError.tooLarge('enrollment image bytes', MAX_ENROLLMENT_IMAGE_BYTES, bytes.length);
  // Judged before parsing, so a WebP (readable, not decodable here) is refused as its type, not its header.
  const sniffed = sniffImageType(bytes);
  if (sniffed !== 'image/png' && sniffed !== 'image/jpeg')
    throw new HolocallError(ErrorCode.UnsupportedMedia, 'enrollment image must be PNG or JPEG (judged by its content)');
  const parsed = parse(bytes);
  const { width: storedWidth, height: storedHeight } = parsed;
  const longest = Math.max(storedWidth, storedHeight);
  const shortest = Math.min(storedWidth, storedHeight);
  if (longest > MAX_ENROLLMENT_IMAGE_SIDE)
    throw HolocallError.tooLarge('enrollment image side', MAX_ENROLLMENT_IMAGE_SIDE, longest);
  if (storedWidth * storedHeight > MAX_ENROLLMENT_IMAGE_PIXELS)
    throw HolocallError.tooLarge('enrollment image pixels', MAX_ENROLLMENT_IMAGE_PIXELS, storedWidth * storedHeight);
  if (shortest < MIN_ENROLLMENT_IMAGE_SIDE) {
    throw HolocallError.badRequest(`enrollment image sides must be at least ${MIN_ENROLLMENT_IMAGE_SIDE} pixels`, {
      reason: 'too_small',
      width: storedWidth,
      height: storedHeight,
    });
  }
  return {
    type: sniffed === 'image/png' ? 'png' : 'jpeg',
    storedWidth,
    storedHeight,
    orientation: parsed.orientation,
    width: parsed.displayWidth,
    height: parsed.displayHeight,
  };
}
