import { inflateSync } from 'node:zlib';
import {
  checkEnrollmentImage,
  type ImageHeader,
  MAX_JPEG_SCANS,
  MAX_PHOTO_PIXELS,
  refuseEnrollment,
  refuseOverLimit,
} from '@holocall/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../../warp';
import { readJpegLayout } from './jpeg-layout';
import { applyOrientation } from './orientation';
import { type PngLayout, pngImageData, pngInflatedBytes, readPngLayout } from './png-layout';

/**
 * jpeg-js refuses to allocate more than this while decoding: a 25 MP 4:4:4 photo needs about
 * 100 MiB of RGBA and 150 MiB of coefficients.
 */
const JPEG_MAX_MEMORY_MB = 512;

/**
 * Decodes an enrollment photo (PNG or JPEG) to RGBA8 as stored (no EXIF orientation applied),
 * after its header passed every limit (the protocol's checkEnrollmentImage), with the output
 * and work bounded by that header before anything is inflated:
 *
 * - PNG: the image data may inflate to exactly what the declared size needs, no more. pngjs
 *   bounds that itself for non-interlaced files; an interlaced (Adam7) file it inflates without
 *   a limit (10 MB of deflate is 10 GB of zeros), so its data is inflated here first under
 *   maxOutputLength; past it, photo_decode_budget.
 * - JPEG: at most MAX_JPEG_SCANS scans, counted from the segments (photo_too_many_scans), and
 *   jpeg-js's own resolution and memory caps (photo_decode_budget).
 *
 * Anything else that does not decode is photo_undecodable. Used by the web app (normalising
 * photos at upload) and by the inference node (in its lift worker).
 */
export function decodePhotoPixels(bytes: Uint8Array, header: ImageHeader = checkEnrollmentImage(bytes)): RgbaImage {
  const img = header.type === 'image/png' ? decodePng(bytes) : decodeJpeg(bytes);
  if (img.width !== header.width || img.height !== header.height || img.data.length !== img.width * img.height * 4) {
    throw refuseEnrollment('photo_undecodable', 'the photo decodes to another size than its header says', {
      type: header.type,
    });
  }
  return img;
}

/** decodePhotoPixels, then the EXIF orientation applied: the photo as browsers display it. */
export function decodeEnrollmentImage(bytes: Uint8Array, header: ImageHeader = checkEnrollmentImage(bytes)): RgbaImage {
  return applyOrientation(decodePhotoPixels(bytes, header), header.orientation);
}

function decodePng(bytes: Uint8Array): RgbaImage {
  const layout = readPngLayout(bytes);
  if (layout.interlaced) checkInterlacedInflation(bytes, layout);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw refuseEnrollment('photo_undecodable', 'the photo does not decode as image/png', { type: 'image/png' }, error);
  }
  return {
    width: png.width,
    height: png.height,
    data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
  };
}

/** Inflates an interlaced PNG's data under the size its passes need; a bomb stops at that size. */
function checkInterlacedInflation(bytes: Uint8Array, layout: PngLayout): void {
  const limit = pngInflatedBytes(layout);
  try {
    inflateSync(pngImageData(bytes, layout), { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw refuseEnrollment(
        'photo_decode_budget',
        `the photo's image data inflates past the ${limit} bytes its size needs`,
        { type: 'image/png', what: 'inflated image data (bytes)', limit },
        error,
      );
    }
    throw refuseEnrollment('photo_undecodable', 'the photo does not decode as image/png', { type: 'image/png' }, error);
  }
}

function decodeJpeg(bytes: Uint8Array): RgbaImage {
  const { scans } = readJpegLayout(bytes);
  if (scans > MAX_JPEG_SCANS) throw refuseOverLimit('photo_too_many_scans', 'JPEG scans', MAX_JPEG_SCANS, scans);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: Math.ceil(MAX_PHOTO_PIXELS / 1e6),
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
  } catch (error) {
    const overBudget = /maxMemoryUsageInMB|maxResolutionInMP|allocate enough memory/.test(String(error));
    throw refuseEnrollment(
      overBudget ? 'photo_decode_budget' : 'photo_undecodable',
      overBudget ? 'the photo needs more memory to decode than allowed' : 'the photo does not decode as image/jpeg',
      { type: 'image/jpeg', ...(overBudget ? { limitMB: JPEG_MAX_MEMORY_MB } : {}) },
      error,
    );
  }
  return {
    width: decoded.width,
    height: decoded.height,
    data: new Uint8ClampedArray(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
  };
}
