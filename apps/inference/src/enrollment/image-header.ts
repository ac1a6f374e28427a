import {
  HolocallError,
  MAX_ENROLLMENT_IMAGE_BYTES,
  MAX_ENROLLMENT_IMAGE_PIXELS,
  MAX_ENROLLMENT_IMAGE_SIDE,
  MIN_ENROLLMENT_IMAGE_SIDE,
} from '@holocall/protocol';
import { jpegOrientation } from './exif-orientation';

/**
 * What an enrollment image is, judged by its content and read from its header alone (nothing is
 * decoded yet), with every limit checked: type (PNG or JPEG, else unsupported_media), bytes,
 * sides and pixels (too_large, bad_request). `width` and `height` are as displayed: a JPEG's
 * EXIF orientation is applied, as browsers do (the tracker ran on the displayed image).
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

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function unreadable(reason: string): HolocallError {
  return HolocallError.badRequest(`enrollment image: ${reason}`, { reason });
}

function pngSize(bytes: Uint8Array): [number, number] {
  // Signature, then the IHDR chunk: length (4), "IHDR", width (4, BE), height (4, BE).
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    throw unreadable('png header is truncated');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}

/** Start-of-frame markers (baseline, extended, progressive, lossless; not DHT/JPG/DAC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegSize(bytes: Uint8Array): [number, number] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw unreadable('jpeg marker expected');
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame
    const length = v.getUint16(at + 2);
    if (length < 2) throw unreadable('jpeg segment length');
    if (isSof(marker)) {
      if (at + 9 > bytes.length) break;
      return [v.getUint16(at + 7), v.getUint16(at + 5)];
    }
    at += 2 + length;
  }
  throw unreadable('jpeg has no frame header');
}

export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length > MAX_ENROLLMENT_IMAGE_BYTES)
    throw HolocallError.tooLarge('enrollment image bytes', MAX_ENROLLMENT_IMAGE_BYTES, bytes.length);
  let type: ImageHeader['type'];
  let size: [number, number];
  let orientation = 1;
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    type = 'png';
    size = pngSize(bytes);
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    type = 'jpeg';
    size = jpegSize(bytes);
    orientation = jpegOrientation(bytes);
  } else {
    throw new HolocallError('unsupported_media', 'enrollment image must be PNG or JPEG (judged by its content)');
  }
  const [storedWidth, storedHeight] = size;
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
  const swapped = orientation >= 5;
  return {
    type,
    storedWidth,
    storedHeight,
    orientation,
    width: swapped ? storedHeight : storedWidth,
    height: swapped ? storedWidth : storedHeight,
  };
}
