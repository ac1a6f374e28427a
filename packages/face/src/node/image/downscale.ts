import type { RgbaImage } from '../../warp';

/**
 * `img` shrunk to `width` x `height` (each no larger than the source's) by area averaging: every
 * output pixel is the mean of the source pixels it covers, weighted by how much of each it
 * covers. Two separable passes, rows then columns.
 */
export function downscaleArea(img: RgbaImage, width: number, height: number): RgbaImage {
  if (width === img.width && height === img.height) return img;
  if (width > img.width || height > img.height || width < 1 || height < 1)
    throw new RangeError(`downscaleArea: ${img.width}x${img.height} cannot shrink to ${width}x${height}`);
  const xs = spans(img.width, width);
  const rows = new Float32Array(width * img.height * 4);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { first, weights } = xs[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < weights.length; k++) {
        const i = (y * img.width + first + k) * 4;
        const w = weights[k]!;
        r += img.data[i]! * w;
        g += img.data[i + 1]! * w;
        b += img.data[i + 2]! * w;
        a += img.data[i + 3]! * w;
      }
      rows.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  const ys = spans(img.height, height);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const { first, weights } = ys[y]!;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += rows[((first + k) * width + x) * 4 + c]! * weights[k]!;
        out[(y * width + x) * 4 + c] = Math.round(v);
      }
    }
  }
  return { width, height, data: out };
}

/** For each of `to` output pixels: the first source pixel it covers and the normalised coverage of each. */
function spans(from: number, to: number): { first: number; weights: Float32Array }[] {
  const step = from / to;
  return Array.from({ length: to }, (_, i) => {
    const a = i * step;
    const b = (i + 1) * step;
    const first = Math.floor(a);
    const last = Math.min(from, Math.ceil(b));
    const weights = new Float32Array(last - first);
    for (let s = first; s < last; s++) weights[s - first] = (Math.min(b, s + 1) - Math.max(a, s)) / step;
    return { first, weights };
  });
}
