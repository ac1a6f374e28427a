import type { RgbaImage } from '@holocall/face';

/**
 * EXIF orientation of a JPEG (phones store the sensor's rows and a tag saying how to turn
 * them; browsers show the image turned, and the page's tracker ran on what it showed). Reads
 * the APP1 Exif segment's IFD0 tag 0x0112; 1 (as stored) when absent or unreadable.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const length = v.getUint16(at + 2);
    if (marker === 0xe1 && length >= 16 && at + 2 + length <= bytes.length) {
      const o = exifOrientation(v, at + 4, at + 2 + length);
      if (o !== null) return o;
    }
    if (length < 2) break;
    at += 2 + length;
  }
  return 1;
}

function exifOrientation(v: DataView, start: number, end: number): number | null {
  // "Exif\0\0", then a TIFF header: byte order, 42, offset of IFD0.
  if (v.getUint32(start) !== 0x45786966 || v.getUint16(start + 4) !== 0) return null;
  const tiff = start + 6;
  const order = v.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  if (v.getUint16(tiff + 2, little) !== 42) return null;
  const ifd = tiff + v.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return null;
  const entries = v.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const e = ifd + 2 + 12 * i;
    if (e + 12 > end) return null;
    if (v.getUint16(e, little) === 0x0112) {
      const value = v.getUint16(e + 8, little);
      return value >= 1 && value <= 8 ? value : null;
    }
  }
  return null;
}

/** The image as displayed for an EXIF orientation (1..8): mirrored and/or turned. */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return img;
  const W = img.width;
  const H = img.height;
  const swapped = orientation >= 5;
  const w = swapped ? H : W;
  const h = swapped ? W : H;
  const out = new Uint8ClampedArray(w * h * 4);
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, W * H);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = W - 1 - x;
          sy = y;
          break;
        case 3:
          sx = W - 1 - x;
          sy = H - 1 - y;
          break;
        case 4:
          sx = x;
          sy = H - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = H - 1 - x;
          break;
        case 7:
          sx = W - 1 - y;
          sy = H - 1 - x;
          break;
        default:
          sx = W - 1 - y;
          sy = x;
      }
      dst[y * w + x] = src[sy * W + sx]!;
    }
  }
  return { width: w, height: h, data: out };
}
