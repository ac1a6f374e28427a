import { fixtureLandmarks } from '@holocall/face/node';
import { interlacedPng, pngBomb, progressiveJpeg } from '@holocall/face/test-support/image-files';
import {
  checkEnrollmentImage,
  type HolocallError,
  MAX_JPEG_SCANS,
  MAX_PHOTO_SIDE,
  MIN_FACE_SIDE,
  MIN_PHOTO_SIDE,
  readImageHeader,
} from '@holocall/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeEnrollmentImage } from '../src/enrollment/decode-image';
import { landmarksForImage } from '../src/enrollment/enrollment-landmarks';

/** Sides over MIN_PHOTO_SIDE, and unequal so a turn shows. */
const W = 320;
const H = MIN_PHOTO_SIDE;

/** Red and green of pixel (x, y): its coordinates scaled to 0..255. */
const red = (x: number) => Math.round((x * 255) / (W - 1));
const green = (y: number) => Math.round((y * 255) / (H - 1));

/** A W x H image whose pixel (x, y) encodes its own coordinates in red and green. */
function gradient(): Uint8Array {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) data.set([red(x), green(y), 128, 255], (y * W + x) * 4);
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

/** `code:reason` of the refusal (every enrollment refusal carries details.reason), or 'ok'. */
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    const { code, details } = e as HolocallError;
    return `${code}:${String(details?.reason)}`;
  }
};

describe('enrollment images', () => {
  it('reads type and size from the header, and applies a JPEG EXIF orientation as browsers do', () => {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(gradient());
    expect(checkEnrollmentImage(PNG.sync.write(png))).toMatchObject({
      type: 'image/png',
      displayWidth: W,
      displayHeight: H,
      orientation: 1,
    });

    const rotated = jpegWithOrientation(6); // stored rows must turn 90° clockwise for display
    expect(checkEnrollmentImage(rotated)).toMatchObject({
      type: 'image/jpeg',
      orientation: 6,
      width: W,
      height: H,
      displayWidth: H,
      displayHeight: W,
    });
    const img = decodeEnrollmentImage(rotated);
    expect([img.width, img.height]).toEqual([H, W]);
    // Displayed (x, y) shows stored (y, H - 1 - x): the top-left shows the stored bottom-left.
    const at = (x: number, y: number) => [img.data[(y * img.width + x) * 4]!, img.data[(y * img.width + x) * 4 + 1]!];
    const [r, g] = at(0, 0);
    expect(Math.abs(r! - 0)).toBeLessThan(6);
    expect(Math.abs(g! - green(H - 1))).toBeLessThan(6);
    const [r2, g2] = at(H - 1, W - 1);
    expect(Math.abs(r2! - red(W - 1))).toBeLessThan(6);
    expect(Math.abs(g2! - 0)).toBeLessThan(6);
  });

  it('refuses other types, tiny and oversized images by their header, and files that do not decode', () => {
    expect(code(() => checkEnrollmentImage(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])))).toBe(
      'unsupported_media:unsupported_type',
    );
    // A WebP header the shared parser reads, but the node does not decode WebP: refused as its type.
    const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
    const webp = new Uint8Array(30);
    webp.set(ascii('RIFF'), 0);
    webp.set(ascii('WEBPVP8X'), 8);
    webp.set([0xe7, 3, 0, 0xbb, 2, 0], 24); // 1000 x 700, stored as size - 1 (24-bit little-endian)
    expect(readImageHeader(webp)).toMatchObject({ type: 'image/webp', width: 1000, height: 700 });
    expect(() => checkEnrollmentImage(webp)).toThrow(/must be a JPEG or PNG/);
    expect(code(() => checkEnrollmentImage(webp))).toBe('unsupported_media:unsupported_type');
    const png = new PNG({ width: 64, height: 64 });
    const small = PNG.sync.write(png);
    expect(code(() => checkEnrollmentImage(small))).toBe('bad_request:photo_side_too_short');
    expect(() => checkEnrollmentImage(small.subarray(0, 20))).toThrow(
      expect.objectContaining({ code: 'bad_request', details: { reason: 'photo_truncated', problem: 'truncated' } }),
    );
    const huge = Uint8Array.from(small);
    new DataView(huge.buffer).setUint32(16, MAX_PHOTO_SIDE + 1);
    expect(code(() => checkEnrollmentImage(huge))).toBe('too_large:photo_side_too_long');
    const truncated = jpegWithOrientation(1).subarray(0, 400);
    expect(code(() => decodeEnrollmentImage(truncated))).toBe('bad_request:photo_undecodable');
  });

  it('scales landmarks measured on a smaller copy of the image, and refuses another shape', () => {
    const face = fixtureLandmarks('astronaut'); // the tracker's, on the 512 x 512 fixture photo
    const half = Float32Array.from(face, (v) => v / 2);
    const scaled = landmarksForImage(half, { width: 256, height: 256 }, { width: 512, height: 512 });
    expect(Array.from(scaled)).toEqual(Array.from(face, (v) => Math.fround(v / 2) * 2)); // x, y and depth scaled
    expect(code(() => landmarksForImage(half, { width: 256, height: 200 }, { width: 512, height: 512 }))).toBe(
      'bad_request:landmark_aspect',
    );
    expect(
      code(() => landmarksForImage(face.subarray(0, 30), { width: 512, height: 512 }, { width: 512, height: 512 })),
    ).toBe('bad_request:landmark_count');
  });

  it('checks the face size in pixels of the image it will lift, after scaling', () => {
    const face = fixtureLandmarks('astronaut');
    expect(code(() => landmarksForImage(face, { width: 512, height: 512 }, { width: 512, height: 512 }))).toBe('ok');
    // The same landmarks on a 64 x 64 image: a face of an eighth of its size (under 512 / 8 = MIN_FACE_SIDE).
    expect(MIN_FACE_SIDE).toBe(512 / 8);
    expect(code(() => landmarksForImage(face, { width: 512, height: 512 }, { width: 64, height: 64 }))).toBe(
      'face_not_found:face_too_small',
    );
  });

  it('decodes an interlaced (Adam7) PNG like the same image plain', () => {
    const data = new Uint8ClampedArray(gradient());
    const img = decodeEnrollmentImage(interlacedPng({ width: W, height: H, data }));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Buffer.from(img.data).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses an interlaced PNG whose data inflates past its declared size, without inflating it (a PNG bomb)', () => {
    // 1000 x 1000 RGBA needs about 4 MB inflated; this file of about 200 kB inflates to 200 MB
    // (a 10 MB one would be 10 GB). pngjs inflates interlaced data without a limit.
    const bomb = pngBomb(1000, 1000, 200_000_000, true);
    const plainBomb = pngBomb(1000, 1000, 200_000_000, false);
    expect(bomb.byteLength).toBeLessThan(250_000);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    expect(code(() => decodeEnrollmentImage(bomb))).toBe('too_large:photo_decode_budget');
    // Stopped at the declared size: milliseconds, where the whole inflation took seconds (the bound
    // is loose so a loaded machine does not fail it; the memory check below is the sharp one).
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024);
    // The same bomb not interlaced: pngjs stops at the declared size itself.
    expect(code(() => decodeEnrollmentImage(plainBomb))).toBe('bad_request:photo_undecodable');
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024);
  }, 20_000);

  it('decodes a progressive JPEG of up to MAX_JPEG_SCANS scans, and refuses one more before decoding', () => {
    const level = (bx: number, by: number) => 40 + bx * 4 + by;
    const atLimit = progressiveJpeg(W, H, level, MAX_JPEG_SCANS - 1); // one DC scan + AC scans
    const img = decodeEnrollmentImage(atLimit);
    expect([img.width, img.height]).toEqual([W, H]);
    expect(img.data[((8 * 5 + 3) * W + 8 * 7 + 2) * 4]).toBe(level(7, 5));
    expect(code(() => decodeEnrollmentImage(progressiveJpeg(W, H, level, MAX_JPEG_SCANS)))).toBe(
      'too_large:photo_too_many_scans',
    );
  });

  it('refuses a 25 MP progressive JPEG of 2000 scans at once (a scan bomb: seconds of decoding from 400 kB)', () => {
    const bomb = progressiveJpeg(5000, 5000, () => 128, 2000);
    expect(bomb.byteLength).toBeLessThan(500_000);
    const t0 = performance.now();
    let error: HolocallError | undefined;
    try {
      decodeEnrollmentImage(bomb);
    } catch (e) {
      error = e as HolocallError;
    }
    // Refused before decoding: milliseconds, where decoding it took about 14 s (loose for a loaded machine).
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(error).toMatchObject({
      code: 'too_large',
      details: { reason: 'photo_too_many_scans', limit: MAX_JPEG_SCANS, actual: 2001 },
    });
  });
});
