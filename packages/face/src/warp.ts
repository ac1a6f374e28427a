/**
 * Pure-TypeScript image warps for RGBA buffers (browser and Node alike): bilinear resampling
 * through an inverse map (for each output pixel, where to read in the source).
 *
 * Pixel centres sit at integer + 0.5: output pixel (col, row) is the point (col + 0.5, row + 0.5),
 * and so is every coordinate the maps below take and return (continuous pixel coordinates).
 */
import { HolocallError } from '@holocall/protocol';
import { applySimilarity, invertSimilarity, type Similarity2D } from './similarity';

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major, RGBA. */
  data: Uint8ClampedArray | Uint8Array;
}

/** Most pixels a warp output may have (16 megapixels): guards against a bad size eating memory. */
export const MAX_WARP_PIXELS = 16 * 1024 * 1024;

export function createRgbaImage(width: number, height: number): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw HolocallError.badRequest('image size must be positive integers', { width, height });
  }
  if (width * height > MAX_WARP_PIXELS) throw HolocallError.tooLarge('image pixels', MAX_WARP_PIXELS, width * height);
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}

function checkImage(img: RgbaImage, what: string): void {
  if (
    !img ||
    !Number.isInteger(img.width) ||
    !Number.isInteger(img.height) ||
    img.width < 1 ||
    img.height < 1 ||
    img.data.length !== img.width * img.height * 4
  ) {
    throw HolocallError.badRequest(`${what}: RGBA buffer does not match its size`, {
      width: img?.width,
      height: img?.height,
      bytes: img?.data?.length,
    });
  }
}

/** What to do with samples that fall outside the source. */
export type WarpBorder = { mode: 'clamp' } | { mode: 'constant'; rgba: [number, number, number, number] };

const CLAMP: WarpBorder = { mode: 'clamp' };

/**
 * Bilinear sample of `src` at continuous pixel coordinates (x, y) into out[o..o+3].
 * Edge pixels extend (clamp) or the constant colour blends in beyond the last pixel centre.
 */
export function sampleBilinear(
  src: RgbaImage,
  x: number,
  y: number,
  out: Uint8ClampedArray | Uint8Array | Float32Array,
  o: number,
  border: WarpBorder = CLAMP,
): void {
  const w = src.width;
  const h = src.height;
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const d = src.data;
  const constant = border.mode === 'constant' ? border.rgba : null;
  for (let c = 0; c < 4; c++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      const xi = x0 + (k & 1);
      const yi = y0 + (k >> 1);
      const wgt = (k & 1 ? ax : 1 - ax) * (k >> 1 ? ay : 1 - ay);
      if (wgt === 0) continue;
      let v: number;
      if (xi < 0 || yi < 0 || xi >= w || yi >= h) {
        if (constant) v = constant[c]!;
        else v = d[((yi < 0 ? 0 : yi >= h ? h - 1 : yi) * w + (xi < 0 ? 0 : xi >= w ? w - 1 : xi)) * 4 + c]!;
      } else {
        v = d[(yi * w + xi) * 4 + c]!;
      }
      acc += wgt * v;
    }
    out[o + c] = acc;
  }
}

/**
 * Generic inverse-map warp: out(col, row) = src(map(col + 0.5, row + 0.5)), bilinear.
 * `map` writes the source point into `xy` (reused, to keep the loop allocation-free).
 */
export function remapRGBA(
  src: RgbaImage,
  width: number,
  height: number,
  map: (x: number, y: number, xy: Float64Array) => void,
  border: WarpBorder = CLAMP,
): RgbaImage {
  checkImage(src, 'warp source');
  const out = createRgbaImage(width, height);
  const xy = new Float64Array(2);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      map(col + 0.5, row + 0.5, xy);
      sampleBilinear(src, xy[0]!, xy[1]!, out.data, (row * width + col) * 4, border);
    }
  }
  return out;
}

/**
 * Warps `src` by a similarity that maps SOURCE pixel coordinates to OUTPUT pixel coordinates
 * (e.g. alignment.toCrop): each output pixel reads the source at the inverse-mapped point.
 */
export function warpSimilarityRGBA(
  src: RgbaImage,
  toOutput: Similarity2D,
  width: number,
  height: number,
  border: WarpBorder = CLAMP,
): RgbaImage {
  const inverse = invertSimilarity(toOutput);
  return remapRGBA(
    src,
    width,
    height,
    (x, y, xy) => {
      const p = applySimilarity(inverse, x, y);
      xy[0] = p[0];
      xy[1] = p[1];
    },
    border,
  );
}
