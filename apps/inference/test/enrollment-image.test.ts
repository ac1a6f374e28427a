import { type HolocallError, MAX_ENROLLMENT_IMAGE_SIDE, readImageHeader as parseImageHeader } from '@holocall/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeEnrollmentImage } from '../src/enrollment/decode-image';
import { landmarksForImage } from '../src/enrollment/enrollment-landmarks';
import { readImageHeader } from '../src/enrollment/image-header';

const W = 200;
const H = 150;

/** A W x H image whose pixel (x, y) encodes its own coordinates in red and green. */
function gradient(): Uint8Array {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) data.set([x, y, 128, 255], (y * W + x) * 4);
  }
  return data;
}

/** A JPEG with an APP1 Exif segment holding IFD0 tag 0x0112 (orientation), big-endian TIFF. */
function jpegWithOrientation(orientation: number): Uint8Array {
  const plain = jpeg.encode({ data: gradient(), width: W, height: H }, 95).data;
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
  return Uint8Array.from([0xff, 0xd8, ...app1, ...plain.subarray(2)]);
}

const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as HolocallError).code;
  }
};

describe('enrollment images', () => {
  it('reads type and size from the header, and applies a JPEG EXIF orientation as browsers do', () => {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(gradient());
    expect(readImageHeader(PNG.sync.write(png))).toMatchObject({ type: 'png', width: W, height: H, orientation: 1 });

    const rotated = jpegWithOrientation(6); // stored rows must turn 90° clockwise for display
    expect(readImageHeader(rotated)).toMatchObject({ type: 'jpeg', orientation: 6, width: H, height: W });
    const img = decodeEnrollmentImage(rotated);
    expect([img.width, img.height]).toEqual([H, W]);
    // Displayed (x, y) shows stored (y, H - 1 - x): the top-left shows the stored bottom-left.
    const at = (x: number, y: number) => [img.data[(y * img.width + x) * 4]!, img.data[(y * img.width + x) * 4 + 1]!];
    const [r, g] = at(0, 0);
    expect(Math.abs(r! - 0)).toBeLessThan(6);
    expect(Math.abs(g! - (H - 1))).toBeLessThan(6);
    const [r2, g2] = at(H - 1, W - 1);
    expect(Math.abs(r2! - (W - 1))).toBeLessThan(6);
    expect(Math.abs(g2! - 0)).toBeLessThan(6);
  });

  it('refuses other types, tiny and oversized images by their header, and files that do not decode', () => {
    expect(code(() => readImageHeader(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])))).toBe(
      'unsupported_media',
    );
    // A WebP header the shared parser reads, but this node does not decode WebP: refused as its type.
    const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
    const webp = new Uint8Array(30);
    webp.set(ascii('RIFF'), 0);
    webp.set(ascii('WEBPVP8X'), 8);
    webp.set([0xe7, 3, 0, 0xbb, 2, 0], 24); // 1000 x 700, stored as size - 1 (24-bit little-endian)
    expect(parseImageHeader(webp)).toMatchObject({ type: 'image/webp', width: 1000, height: 700 });
    expect(() => readImageHeader(webp)).toThrow(/must be PNG or JPEG/);
    expect(code(() => readImageHeader(webp))).toBe('unsupported_media');
    const png = new PNG({ width: 64, height: 64 });
    const small = PNG.sync.write(png);
    expect(code(() => readImageHeader(small))).toBe('bad_request');
    expect(() => readImageHeader(small.subarray(0, 20))).toThrow(
      expect.objectContaining({ code: 'bad_request', details: { reason: 'truncated' } }),
    );
    const huge = Uint8Array.from(small);
    new DataView(huge.buffer).setUint32(16, MAX_ENROLLMENT_IMAGE_SIDE + 1);
    expect(code(() => readImageHeader(huge))).toBe('too_large');
    const truncated = jpegWithOrientation(1).subarray(0, 400);
    expect(code(() => decodeEnrollmentImage(truncated))).toBe('bad_request');
  });

  it('scales landmarks measured on a smaller copy of the image, and refuses another shape', () => {
    const points = new Float32Array(478 * 3);
    for (let i = 0; i < 478; i++) points.set([100 + (i % 50), 100 + (i % 40), i % 10], 3 * i);
    const scaled = landmarksForImage(points, { width: 256, height: 256 }, { width: 512, height: 512 });
    expect([scaled[0], scaled[1], scaled[2]]).toEqual([200, 200, 0]);
    expect(scaled[3 * 9 + 2]).toBe(18);
    expect(code(() => landmarksForImage(points, { width: 256, height: 200 }, { width: 512, height: 512 }))).toBe(
      'bad_request',
    );
    expect(
      code(() => landmarksForImage(points.subarray(0, 30), { width: 512, height: 512 }, { width: 512, height: 512 })),
    ).toBe('bad_request');
  });
});
