import { ErrorCode, HolocallError } from './errors';

/**
 * Reads an image's type, size and EXIF orientation from its first bytes, without decoding it.
 * The type is judged by content (magic bytes), never by file name or declared MIME type.
 * Shared by the browser (checks before upload), the web server (checks on upload; it never
 * decompresses a photo, so a decompression bomb costs it nothing beyond the byte limit) and the
 * inference node (checks before it decodes). Plain Uint8Array/DataView: no Node APIs.
 */

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageHeader {
  type: ImageType;
  /** Stored pixel size, as encoded. */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 when absent). 5..8 swap width and height when displayed. */
  orientation: number;
  /** Size as displayed, after the orientation is applied (what the browser's tracker saw). */
  displayWidth: number;
  displayHeight: number;
}

/** Why a header with a known signature was refused (HolocallError bad_request, details.reason). */
export type ImageHeaderProblem = 'truncated' | 'corrupt';

function refused(reason: ImageHeaderProblem, message: string): HolocallError {
  return HolocallError.badRequest(message, { reason });
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: number[], offset = 0): boolean {
  return prefix.every((b, i) => bytes[offset + i] === b);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp';
  return null;
}

/**
 * The header of a JPEG, PNG or WebP image. Throws HolocallError: unsupported_media for any other
 * content, bad_request (details.reason 'truncated' or 'corrupt') for a header it cannot read;
 * it rejects rather than guesses, and never throws anything else whatever the bytes.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const type = sniffImageType(bytes);
  if (!type) throw new HolocallError(ErrorCode.UnsupportedMedia, 'not a JPEG, PNG or WebP image');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { width, height, orientation } =
    type === 'image/png' ? readPng(bytes, view) : type === 'image/jpeg' ? readJpeg(bytes, view) : readWebp(bytes, view);
  if (width <= 0 || height <= 0) throw refused('corrupt', 'image has no pixels');
  const swap = orientation >= 5 && orientation <= 8;
  return {
    type,
    width,
    height,
    orientation,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
  };
}

function need(bytes: Uint8Array, end: number): void {
  if (bytes.length < end) throw refused('truncated', 'image is truncated');
}

function readPng(bytes: Uint8Array, view: DataView) {
  need(bytes, 33); // signature, then the whole IHDR chunk: length, "IHDR", 13 bytes, CRC
  if (view.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== 'IHDR') {
    throw refused('corrupt', 'PNG does not start with an IHDR chunk');
  }
  return { width: view.getUint32(16), height: view.getUint32(20), orientation: 1 };
}

/** Start-of-frame markers carry the size (C0..CF except DHT C4, JPG C8 and DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpeg(bytes: Uint8Array, view: DataView) {
  let offset = 2;
  let orientation = 1;
  for (;;) {
    need(bytes, offset + 4);
    if (bytes[offset] !== 0xff) throw refused('corrupt', 'JPEG marker expected');
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw refused('corrupt', 'JPEG has no frame header');
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = view.getUint16(offset + 2);
    if (length < 2) throw refused('corrupt', 'JPEG segment length is invalid');
    need(bytes, offset + 2 + length);
    if (marker === 0xe1 && length >= 16 && ascii(bytes, offset + 4, 6) === 'Exif\0\0') {
      orientation = exifOrientation(view, offset + 10, offset + 2 + length) ?? orientation;
    }
    if (isStartOfFrame(marker)) {
      need(bytes, offset + 9);
      return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5), orientation };
    }
    offset += 2 + length;
  }
}

/** Orientation (tag 0x0112) from IFD0 of a TIFF structure at [start, end); null when absent or malformed. */
function exifOrientation(view: DataView, start: number, end: number): number | null {
  if (end - start < 8) return null;
  const order = view.getUint16(start);
  const little = order === 0x4949;
  if (!little && order !== 0x4d4d) return null;
  if (view.getUint16(start + 2, little) !== 42) return null;
  const ifd = start + view.getUint32(start + 4, little);
  if (ifd + 2 > end) return null;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return null;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : null;
    }
  }
  return null;
}

function readWebp(bytes: Uint8Array, view: DataView) {
  need(bytes, 30);
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) throw refused('corrupt', 'WebP VP8 start code missing');
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff, orientation: 1 };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) throw refused('corrupt', 'WebP VP8L signature missing');
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1 };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    // Browsers do not apply EXIF orientation to WebP; neither do we.
    return { width, height, orientation: 1 };
  }
  throw refused('corrupt', `unknown WebP chunk "${chunk}"`);
}
