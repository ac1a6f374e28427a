import { describe, expect, it } from 'vitest';
import { ImageHeaderError, readImageHeader, sniffImageType } from '../src/server/enrollment/image-header';
import { GIF_BYTES, jpegHeader, pngHeader, webpVp8xHeader } from './support/images';

describe('image headers: type by content, size and orientation without decoding', () => {
  it('reads PNG size', () => {
    expect(readImageHeader(pngHeader(640, 480))).toMatchObject({
      type: 'image/png',
      width: 640,
      height: 480,
      orientation: 1,
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
          orientation,
          displayWidth: 600,
          displayHeight: 800,
        });
      }
    }
  });

  it('reads WebP (VP8X) size', () => {
    expect(readImageHeader(webpVp8xHeader(1000, 700))).toMatchObject({ type: 'image/webp', width: 1000, height: 700 });
  });

  it('judges by content: a GIF, text or an empty file is not an accepted image whatever its name', () => {
    expect(sniffImageType(GIF_BYTES)).toBeNull();
    expect(sniffImageType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(() => readImageHeader(new Uint8Array(0))).toThrow(ImageHeaderError);
  });

  it('refuses truncated headers rather than guessing', () => {
    const png = pngHeader(10, 10);
    expect(() => readImageHeader(png.subarray(0, 20))).toThrow(/truncated/);
    const jpeg = jpegHeader(10, 10);
    expect(() => readImageHeader(jpeg.subarray(0, 8))).toThrow(ImageHeaderError);
  });

  it('survives random bytes after a valid signature', () => {
    for (let seed = 1; seed < 200; seed++) {
      const bytes = new Uint8Array(64);
      let x = seed;
      for (let i = 0; i < bytes.length; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        bytes[i] = x & 0xff;
      }
      bytes.set([0xff, 0xd8, 0xff], 0);
      try {
        readImageHeader(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(ImageHeaderError);
      }
    }
  });
});
