import { describe, expect, it } from 'vitest';
import { HolocallError } from '../src/errors';
import { readImageHeader, sniffImageType } from '../src/image-header';
import { GIF_BYTES, jpegHeader, pngHeader, webpVp8Header, webpVp8lHeader, webpVp8xHeader } from './support/images';

/** The error code and details.reason a read throws, or 'ok'. Anything but a HolocallError fails the test. */
function refusal(bytes: Uint8Array): string {
  try {
    readImageHeader(bytes);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(HolocallError);
    const { code, details } = error as HolocallError;
    return details?.reason ? `${code}:${String(details.reason)}` : code;
  }
}

describe('image headers: type by content, size and orientation without decoding', () => {
  it('reads PNG size', () => {
    expect(readImageHeader(pngHeader(640, 480))).toEqual({
      type: 'image/png',
      width: 640,
      height: 480,
      orientation: 1,
      displayWidth: 640,
      displayHeight: 480,
    });
  });

  it('reads JPEG size and swaps the displayed size for EXIF orientations 5 to 8', () => {
    expect(readImageHeader(jpegHeader(800, 600))).toMatchObject({
      type: 'image/jpeg',
      width: 800,
      height: 600,
      orientation: 1,
    });
    for (const orientation of [1, 2, 3, 4]) {
      expect(readImageHeader(jpegHeader(800, 600, { orientation }))).toMatchObject({
        orientation,
        displayWidth: 800,
        displayHeight: 600,
      });
    }
    for (const orientation of [5, 6, 7, 8]) {
      for (const littleEndian of [true, false]) {
        expect(readImageHeader(jpegHeader(800, 600, { orientation, littleEndian }))).toMatchObject({
          width: 800,
          height: 600,
          orientation,
          displayWidth: 600,
          displayHeight: 800,
        });
      }
    }
  });

  it('treats a malformed or out-of-range EXIF orientation as absent rather than refusing the photo', () => {
    const outOfRange = jpegHeader(800, 600, { orientation: 9 });
    expect(readImageHeader(outOfRange)).toMatchObject({ orientation: 1, displayWidth: 800 });
    const badIfd = jpegHeader(800, 600, { orientation: 6, littleEndian: true });
    badIfd.set([0xff, 0xff, 0, 0], 2 + 4 + 6 + 4); // IFD0 offset far past the segment
    expect(readImageHeader(badIfd)).toMatchObject({ orientation: 1, displayWidth: 800 });
  });

  it('reads a header that starts inside a larger buffer (a slice of an upload)', () => {
    const png = pngHeader(320, 240);
    const buffer = new Uint8Array(png.length + 7);
    buffer.set(png, 7);
    expect(readImageHeader(buffer.subarray(7))).toMatchObject({ type: 'image/png', width: 320, height: 240 });
  });

  it('reads WebP size (VP8X, VP8L and VP8), never with an orientation', () => {
    expect(readImageHeader(webpVp8xHeader(1000, 700))).toMatchObject({ type: 'image/webp', width: 1000, height: 700 });
    expect(readImageHeader(webpVp8lHeader(1000, 700))).toMatchObject({ width: 1000, height: 700, orientation: 1 });
    expect(readImageHeader(webpVp8Header(1000, 700))).toMatchObject({ width: 1000, height: 700, orientation: 1 });
  });

  it('judges by content: a GIF, text or an empty file is unsupported_media whatever its name', () => {
    expect(sniffImageType(GIF_BYTES)).toBeNull();
    expect(sniffImageType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImageType(jpegHeader(1, 1))).toBe('image/jpeg');
    for (const bytes of [
      GIF_BYTES,
      Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]),
      new TextEncoder().encode('hello'),
      new Uint8Array(0),
      Uint8Array.from({ length: 4096 }, (_, i) => i * 7),
    ]) {
      expect(refusal(bytes)).toBe('unsupported_media');
    }
  });

  it('refuses truncated headers rather than guessing', () => {
    const png = pngHeader(10, 10);
    expect(() => readImageHeader(png.subarray(0, 20))).toThrow(/truncated/);
    expect(refusal(png.subarray(0, 20))).toBe('bad_request:truncated');
    const jpeg = jpegHeader(10, 10);
    expect(refusal(jpeg.subarray(0, 8))).toBe('bad_request:truncated');
    // Every cut inside the header is refused as truncated (once the signature is whole).
    const cases: [Uint8Array, number, number][] = [
      [pngHeader(10, 10), 8, 33], // signature, whole IHDR chunk
      [jpegHeader(10, 10, { orientation: 6 }), 3, jpegHeader(10, 10, { orientation: 6 }).length - 6], // up to SOF0's end
      [webpVp8xHeader(10, 10), 12, 30],
    ];
    for (const [bytes, signature, headerEnd] of cases) {
      for (let cut = signature; cut < headerEnd; cut++)
        expect(refusal(bytes.subarray(0, cut))).toBe('bad_request:truncated');
      expect(refusal(bytes.subarray(0, headerEnd))).toBe('ok');
    }
  });

  it('refuses corrupt headers as bad_request with reason corrupt', () => {
    const noIhdr = pngHeader(10, 10);
    noIhdr[12] = 0x78;
    expect(refusal(noIhdr)).toBe('bad_request:corrupt');
    expect(refusal(pngHeader(0, 10))).toBe('bad_request:corrupt');
    expect(refusal(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]))).toBe('bad_request:corrupt');
    expect(refusal(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0, 0]))).toBe('bad_request:corrupt');
    expect(refusal(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 2, 0x12, 0x34, 0, 0]))).toBe('bad_request:corrupt');
    const vp8l = webpVp8lHeader(10, 10);
    vp8l[20] = 0;
    expect(refusal(vp8l)).toBe('bad_request:corrupt');
    const vp8 = webpVp8Header(10, 10);
    vp8[23] = 0;
    expect(refusal(vp8)).toBe('bad_request:corrupt');
    const unknown = webpVp8xHeader(10, 10);
    unknown.set([0x41, 0x4c, 0x50, 0x48], 12); // "ALPH" first
    expect(refusal(unknown)).toBe('bad_request:corrupt');
  });

  it('survives random bytes after a valid signature: a header or a bad_request, nothing else', () => {
    const signatures = [
      [0xff, 0xd8, 0xff],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50],
    ];
    for (const signature of signatures) {
      for (let seed = 1; seed < 200; seed++) {
        const bytes = new Uint8Array(64);
        let x = seed;
        for (let i = 0; i < bytes.length; i++) {
          x = (x * 1103515245 + 12345) & 0x7fffffff;
          bytes[i] = x & 0xff;
        }
        bytes.set(signature, 0);
        expect(refusal(bytes)).toMatch(/^(ok|bad_request:(truncated|corrupt))$/);
      }
    }
  });
});
