import type { RgbaImage } from '@holocall/face';
import { encodePng } from '@holocall/face/node';

/**
 * A real, decodable photo for upload tests (the server decodes every photo it stores): a
 * smooth pattern, different for each `seed` so tests get distinct content hashes.
 */
export function patternImage(width: number, height: number, seed = 0): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = (seed * 37) % 256;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** patternImage as a plain (non-interlaced) PNG file. */
export function photoPng(width: number, height: number, seed = 0): Uint8Array {
  return new Uint8Array(encodePng(patternImage(width, height, seed)));
}
