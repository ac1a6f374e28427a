import type { OutputFormat } from '@holocall/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** PNG deflate level: 1 is several times faster than the default and the images are smooth anyway. */
const PNG_DEFLATE_LEVEL = 1;
export const DEFAULT_JPEG_QUALITY = 85;

/**
 * Encodes an RGBA8 frame (colour over black, alpha = coverage) for the browser: raw RGBA
 * (cheapest on one machine), PNG (keeps alpha) or JPEG (smallest, alpha dropped: black
 * background). Raw RGBA is returned as given (the rendered-frame encoder copies it once, after its header).
 */
export function encodeImage(
  rgba: Uint8Array,
  width: number,
  height: number,
  format: OutputFormat,
  jpegQuality = DEFAULT_JPEG_QUALITY,
): Uint8Array {
  switch (format) {
    case 'rgba':
      return rgba;
    case 'png': {
      const png = new PNG({ width, height });
      png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
      return PNG.sync.write(png, { deflateLevel: PNG_DEFLATE_LEVEL });
    }
    case 'jpeg':
      return jpeg.encode({ data: rgba, width, height }, jpegQuality).data;
  }
}
