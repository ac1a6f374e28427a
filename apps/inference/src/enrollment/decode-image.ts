import type { RgbaImage } from '@holocall/face';
import { checkEnrollmentImage, type ImageHeader, MAX_PHOTO_PIXELS, refuseEnrollment } from '@holocall/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { applyOrientation } from './exif-orientation';

/** jpeg-js refuses to allocate more than this while decoding (a 25 MP photo needs about 100 MiB of RGBA). */
const JPEG_MAX_MEMORY_MB = 512;

/**
 * Decodes an enrollment image (PNG or JPEG) to RGBA8 as displayed (EXIF orientation applied),
 * after its header passed every limit (the protocol's checkEnrollmentImage, also the web app's).
 * A file that does not decode is refused as photo_undecodable (bad_request).
 * CPU work (tens of ms for a crop, seconds for a 25 MP photo): the node runs it in the lift worker.
 */
export function decodeEnrollmentImage(bytes: Uint8Array, header: ImageHeader = checkEnrollmentImage(bytes)): RgbaImage {
  let img: RgbaImage;
  try {
    if (header.type === 'image/png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      img = {
        width: png.width,
        height: png.height,
        data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
      };
    } else {
      const decoded = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: Math.ceil(MAX_PHOTO_PIXELS / 1e6),
        maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
      });
      img = {
        width: decoded.width,
        height: decoded.height,
        data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
      };
    }
  } catch (error) {
    throw refuseEnrollment(
      'photo_undecodable',
      `enrollment image does not decode as ${header.type}`,
      { type: header.type },
      error,
    );
  }
  if (img.width !== header.width || img.height !== header.height || img.data.length !== img.width * img.height * 4) {
    throw refuseEnrollment('photo_undecodable', 'enrollment image decodes to another size than its header says', {
      type: header.type,
    });
  }
  return applyOrientation(img, header.orientation);
}
