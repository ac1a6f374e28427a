import type { RgbaImage } from '@holocall/face';
import type { AlignedImage } from '../../stages/contract';

/** RGBA8 -> the stage contract's planar RGB float image in [0, 1]. */
export function alignedImageFromRgba(img: RgbaImage): AlignedImage {
  const area = img.width * img.height;
  const rgb = new Float32Array(3 * area);
  for (let p = 0; p < area; p++) {
    rgb[p] = img.data[4 * p]! / 255;
    rgb[area + p] = img.data[4 * p + 1]! / 255;
    rgb[2 * area + p] = img.data[4 * p + 2]! / 255;
  }
  return { width: img.width, height: img.height, rgb };
}

/** Planar RGB float -> RGBA8 (opaque), for previews. */
export function rgbaFromAlignedImage(img: AlignedImage): RgbaImage {
  const area = img.width * img.height;
  const data = new Uint8ClampedArray(4 * area);
  for (let p = 0; p < area; p++) {
    data[4 * p] = img.rgb[p]! * 255;
    data[4 * p + 1] = img.rgb[area + p]! * 255;
    data[4 * p + 2] = img.rgb[2 * area + p]! * 255;
    data[4 * p + 3] = 255;
  }
  return { width: img.width, height: img.height, data };
}

/** Bilinear sample of channel `c` of a planar image at continuous pixel coordinates (clamped). */
export function samplePlanar(img: AlignedImage, c: number, x: number, y: number): number {
  const w = img.width;
  const h = img.height;
  const fx = Math.min(w - 1, Math.max(0, x - 0.5));
  const fy = Math.min(h - 1, Math.max(0, y - 0.5));
  const x0 = Math.min(w - 2, Math.floor(fx));
  const y0 = Math.min(h - 2, Math.floor(fy));
  const ax = fx - x0;
  const ay = fy - y0;
  const base = c * w * h + y0 * w + x0;
  const d = img.rgb;
  return (d[base]! * (1 - ax) + d[base + 1]! * ax) * (1 - ay) + (d[base + w]! * (1 - ax) + d[base + w + 1]! * ax) * ay;
}
