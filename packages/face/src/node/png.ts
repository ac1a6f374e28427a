/**
 * PNG <-> RgbaImage for Node scripts and tests (pngjs). Node only: not exported from the
 * browser-safe index.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../warp';

export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

export function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

export function readPng(path: string): RgbaImage {
  return decodePng(readFileSync(path));
}

export function writePng(path: string, img: RgbaImage): void {
  writeFileSync(path, encodePng(img));
}
