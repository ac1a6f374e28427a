import type { RgbaImage } from '../../warp';

/**
 * The image as displayed for an EXIF orientation (1..8): mirrored and/or turned. The orientation
 * is read from the header (@holocall/protocol's readImageHeader): phones store the sensor's rows
 * and a tag saying how to turn them, browsers show them turned, and the page's tracker ran on
 * what it showed.
 */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return img;
  const W = img.width;
  const H = img.height;
  const swapped = orientation >= 5;
  const w = swapped ? H : W;
  const h = swapped ? W : H;
  const out = new Uint8ClampedArray(w * h * 4);
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, W * H);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = W - 1 - x;
          sy = y;
          break;
        case 3:
          sx = W - 1 - x;
          sy = H - 1 - y;
          break;
        case 4:
          sx = x;
          sy = H - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = H - 1 - x;
          break;
        case 7:
          sx = W - 1 - y;
          sy = H - 1 - x;
          break;
        default:
          sx = W - 1 - y;
          sy = x;
      }
      dst[y * w + x] = src[sy * W + sx]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** Whether an EXIF orientation turns the image a quarter (5..8): displayed width and height are the stored height and width. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/**
 * Where a point of the stored image (pixels, `stored` its size) shows in the image as displayed
 * for an EXIF orientation: the inverse of applyOrientation's pixel mapping, for continuous
 * coordinates (a pixel's left edge x mirrors to width - x).
 */
export function orientPoint(
  x: number,
  y: number,
  orientation: number,
  stored: { width: number; height: number },
): [number, number] {
  const W = stored.width;
  const H = stored.height;
  switch (orientation) {
    case 2:
      return [W - x, y];
    case 3:
      return [W - x, H - y];
    case 4:
      return [x, H - y];
    case 5:
      return [y, x];
    case 6:
      return [H - y, x];
    case 7:
      return [H - y, W - x];
    case 8:
      return [y, W - x];
    default:
      return [x, y];
  }
}
