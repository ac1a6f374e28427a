/**
 * Image headers built byte by byte for the header reader's tests: a header with the right magic
 * bytes and sizes is a complete test of a reader that never decodes. Each builder makes a
 * well-formed header.
 */

function u16be(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function u32be(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function pngHeader(width: number, height: number, padTo = 64): Uint8Array {
  const bytes = [
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...u32be(13),
    ...Array.from('IHDR', (c) => c.charCodeAt(0)),
    ...u32be(width),
    ...u32be(height),
    8,
    6,
    0,
    0,
    0,
    ...u32be(0),
  ];
  while (bytes.length < padTo) bytes.push(0);
  return new Uint8Array(bytes);
}

/** A JPEG header: SOI, an optional EXIF APP1 with an orientation, then a baseline SOF0. */
export function jpegHeader(
  width: number,
  height: number,
  options: { orientation?: number; littleEndian?: boolean } = {},
): Uint8Array {
  const bytes = [0xff, 0xd8];
  if (options.orientation) {
    const le = options.littleEndian ?? true;
    const u16 = (v: number) => (le ? [v & 0xff, (v >> 8) & 0xff] : u16be(v));
    const u32 = (v: number) => (le ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff] : u32be(v));
    const tiff = [
      ...(le ? [0x49, 0x49] : [0x4d, 0x4d]),
      ...u16(42),
      ...u32(8),
      ...u16(1),
      ...u16(0x0112),
      ...u16(3),
      ...u32(1),
      ...u16(options.orientation),
      0,
      0,
      ...u32(0),
    ];
    const app1 = [...Array.from('Exif', (c) => c.charCodeAt(0)), 0, 0, ...tiff];
    bytes.push(0xff, 0xe1, ...u16be(app1.length + 2), ...app1);
  }
  const sof = [8, ...u16be(height), ...u16be(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  bytes.push(0xff, 0xc0, ...u16be(sof.length + 2), ...sof);
  bytes.push(0xff, 0xda, 0, 2, 0xff, 0xd9);
  return new Uint8Array(bytes);
}

export function webpVp8xHeader(width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const bytes = [
    ...Array.from('RIFF', (c) => c.charCodeAt(0)),
    30,
    0,
    0,
    0,
    ...Array.from('WEBPVP8X', (c) => c.charCodeAt(0)),
    10,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    w & 0xff,
    (w >> 8) & 0xff,
    (w >> 16) & 0xff,
    h & 0xff,
    (h >> 8) & 0xff,
    (h >> 16) & 0xff,
  ];
  return new Uint8Array(bytes);
}

function riff(chunk: string, payload: number[]): Uint8Array {
  const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
  const size = 4 + 8 + payload.length;
  const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  return new Uint8Array([
    ...ascii('RIFF'),
    ...le32(size),
    ...ascii('WEBP'),
    ...ascii(chunk),
    ...le32(payload.length),
    ...payload,
  ]);
}

/** A lossless WebP header: signature 0x2f, then 14-bit width - 1 and height - 1 (little-endian bits). */
export function webpVp8lHeader(width: number, height: number): Uint8Array {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  return riff('VP8L', [
    0x2f,
    bits & 0xff,
    (bits >> 8) & 0xff,
    (bits >> 16) & 0xff,
    (bits >>> 24) & 0xff,
    0,
    0,
    0,
    0,
    0,
  ]);
}

/** A lossy WebP header: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (little-endian). */
export function webpVp8Header(width: number, height: number): Uint8Array {
  return riff('VP8 ', [
    0,
    0,
    0,
    0x9d,
    0x01,
    0x2a,
    width & 0xff,
    (width >> 8) & 0x3f,
    height & 0xff,
    (height >> 8) & 0x3f,
  ]);
}

export const GIF_BYTES = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
