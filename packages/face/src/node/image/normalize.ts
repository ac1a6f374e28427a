import {
  checkEnrollmentImage,
  type EnrollmentImageType,
  type ImageHeader,
  MIN_PHOTO_SIDE,
  NORMALIZED_PHOTO_SIDE,
} from '@holocall/protocol';
import jpeg from 'jpeg-js';
import type { RgbaImage } from '../../warp';
import { decodePhotoPixels } from './decode';
import { downscaleArea } from './downscale';
import { readJpegLayout } from './jpeg-layout';
import { applyOrientation } from './orientation';
import { readPngLayout } from './png-layout';

/** Quality of the baseline JPEG a photo is re-encoded to (visually lossless for a face photo). */
export const NORMALIZED_JPEG_QUALITY = 92;

/** A photo as the web app stores it: a plain image the inference nodes decode within bounds. */
export interface NormalizedImage {
  bytes: Uint8Array;
  type: EnrollmentImageType;
  /** Size of `bytes`: the photo as displayed (EXIF orientation applied), scaled by `scale`. */
  width: number;
  height: number;
  /** The source's header (its orientation and displayed size are what the browser saw). */
  source: ImageHeader;
  /** Output size over the displayed source size, per axis (1 when not scaled). */
  scale: { x: number; y: number };
  /** False when the source was already plain and only its metadata was dropped (no pixel touched). */
  reencoded: boolean;
}

/**
 * Normalises an enrollment photo: decoded by the bounded decoder (decodePhotoPixels: refuses
 * bombs with typed reasons), then
 * - kept as it is, less its metadata (EXIF, comments, text chunks: GPS and camera details stay
 *   home), when it is already plain: a sequential (baseline) JPEG without EXIF orientation or a
 *   non-interlaced PNG, no longer than NORMALIZED_PHOTO_SIDE;
 * - otherwise turned to its EXIF orientation, shrunk to NORMALIZED_PHOTO_SIDE on its longest
 *   side (never under MIN_PHOTO_SIDE on its shortest), alpha laid over white, and re-encoded as
 *   a baseline JPEG of NORMALIZED_JPEG_QUALITY (a bounded file: a PNG of that size may not be).
 * Deterministic: the same bytes always give the same output (the content hash is over it).
 */
export function normalizeEnrollmentImage(
  bytes: Uint8Array,
  header: ImageHeader = checkEnrollmentImage(bytes),
): NormalizedImage {
  const pixels = decodePhotoPixels(bytes, header);
  const longest = Math.max(header.width, header.height);
  const plain =
    longest <= NORMALIZED_PHOTO_SIDE &&
    (header.type === 'image/png'
      ? !readPngLayout(bytes).interlaced
      : isSequentialJpeg(bytes) && header.orientation === 1);
  if (plain) {
    return {
      bytes: header.type === 'image/png' ? pngWithoutMetadata(bytes) : jpegWithoutMetadata(bytes),
      type: header.type as EnrollmentImageType,
      width: header.width,
      height: header.height,
      source: header,
      scale: { x: 1, y: 1 },
      reencoded: false,
    };
  }
  const displayed = applyOrientation(pixels, header.orientation);
  const { width, height } = normalizedSize(displayed.width, displayed.height);
  const scaled = downscaleArea(displayed, width, height);
  return {
    bytes: encodeBaselineJpeg(scaled),
    type: 'image/jpeg',
    width,
    height,
    source: header,
    scale: { x: width / displayed.width, y: height / displayed.height },
    reencoded: true,
  };
}

/** The stored size for a displayed size: the longest side at most NORMALIZED_PHOTO_SIDE, the shortest at least MIN_PHOTO_SIDE. */
export function normalizedSize(width: number, height: number): { width: number; height: number } {
  const shrink = NORMALIZED_PHOTO_SIDE / Math.max(width, height);
  const floor = MIN_PHOTO_SIDE / Math.min(width, height);
  const scale = Math.min(1, Math.max(shrink, floor));
  if (scale === 1) return { width, height };
  return {
    width: Math.max(MIN_PHOTO_SIDE, Math.min(width, Math.round(width * scale))),
    height: Math.max(MIN_PHOTO_SIDE, Math.min(height, Math.round(height * scale))),
  };
}

function encodeBaselineJpeg(img: RgbaImage): Uint8Array {
  const data = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < data.length; i += 4) {
    const a = img.data[i + 3]!;
    for (let c = 0; c < 3; c++) data[i + c] = Math.round((img.data[i + c]! * a + 255 * (255 - a)) / 255);
    data[i + 3] = 255;
  }
  const out = jpeg.encode({ data, width: img.width, height: img.height }, NORMALIZED_JPEG_QUALITY).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** SOF0 (baseline) or SOF1 (extended sequential): one pass, what every decoder reads plainly. */
function isSequentialJpeg(bytes: Uint8Array): boolean {
  const { frame } = readJpegLayout(bytes);
  return frame === 0xc0 || frame === 0xc1;
}

/** APP14 (Adobe) says how to read the colour channels; APP0 (JFIF) is harmless. Other APPn and COM are metadata. */
const keepJpegMarker = (marker: number) => !((marker >= 0xe1 && marker <= 0xed) || marker === 0xef || marker === 0xfe);

/** The JPEG's segments from SOI to EOI less its metadata (EXIF, XMP, ICC, comments), and nothing after EOI. */
function jpegWithoutMetadata(bytes: Uint8Array): Uint8Array {
  const parts = readJpegLayout(bytes).segments.filter((s) => keepJpegMarker(s.marker));
  return concat(parts.map((s) => bytes.subarray(s.start, s.end)));
}

/** Chunks a decoder needs to show the image the same way (the critical ones and transparency). */
const PNG_KEPT_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/** The PNG less its ancillary chunks (text, EXIF, time, ...), and nothing after IEND. */
function pngWithoutMetadata(bytes: Uint8Array): Uint8Array {
  const parts = readPngLayout(bytes).chunks.filter((c) => PNG_KEPT_CHUNKS.has(c.type));
  return concat([bytes.subarray(0, 8), ...parts.map((c) => bytes.subarray(c.start, c.end))]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
