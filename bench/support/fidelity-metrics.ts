/**
 * Image fidelity figures for bench/fidelity.ts and the detail tests: PSNR and SSIM inside a
 * mask, and high-frequency (Laplacian) energy. Images are RGBA8; renders are premultiplied over
 * black (the render stage's output), compared as they are against the photo inside the mask.
 */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

const luma = (d: ArrayLike<number>, i: number) =>
  0.299 * (d[i] as number) + 0.587 * (d[i + 1] as number) + 0.114 * (d[i + 2] as number);

/** PSNR (dB) over RGB of the pixels where mask[p] is set. */
export function maskedPsnr(a: Rgba, b: Rgba, mask: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      const d = (a.data[4 * p + c] as number) - (b.data[4 * p + c] as number);
      se += d * d;
    }
    n += 3;
  }
  return n === 0 || se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / (se / n));
}

/** Mean SSIM of luma over 8x8 windows (stride 4) lying wholly inside the mask. */
export function maskedSsim(a: Rgba, b: Rgba, mask: Uint8Array): number {
  const w = a.width;
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  let sum = 0;
  let n = 0;
  for (let y = 0; y + 8 <= a.height; y += 4) {
    for (let x = 0; x + 8 <= w; x += 4) {
      let inside = true;
      for (let k = 0; k < 64 && inside; k++) if (!mask[(y + (k >> 3)) * w + x + (k & 7)]) inside = false;
      if (!inside) continue;
      let ma = 0;
      let mb = 0;
      for (let k = 0; k < 64; k++) {
        const i = 4 * ((y + (k >> 3)) * w + x + (k & 7));
        ma += luma(a.data, i);
        mb += luma(b.data, i);
      }
      ma /= 64;
      mb /= 64;
      let va = 0;
      let vb = 0;
      let cov = 0;
      for (let k = 0; k < 64; k++) {
        const i = 4 * ((y + (k >> 3)) * w + x + (k & 7));
        const da = luma(a.data, i) - ma;
        const db = luma(b.data, i) - mb;
        va += da * da;
        vb += db * db;
        cov += da * db;
      }
      va /= 63;
      vb /= 63;
      cov /= 63;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** Mean squared 4-neighbour Laplacian of luma over the mask's interior pixels (sharpness). */
export function laplacianEnergy(img: Rgba, mask: Uint8Array): number {
  const w = img.width;
  let e = 0;
  let n = 0;
  for (let y = 1; y < img.height - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      if (!mask[p] || !mask[p - 1] || !mask[p + 1] || !mask[p - w] || !mask[p + w]) continue;
      const l =
        4 * luma(img.data, 4 * p) -
        luma(img.data, 4 * (p - 1)) -
        luma(img.data, 4 * (p + 1)) -
        luma(img.data, 4 * (p - w)) -
        luma(img.data, 4 * (p + w));
      e += l * l;
      n++;
    }
  }
  return n === 0 ? 0 : e / n;
}

/** The photo resampled (bilinear) to size x size, so renders at any tile size compare against it. */
export function resized(img: Rgba, size: number): Rgba {
  if (img.width === size && img.height === size) return img;
  const out = new Uint8ClampedArray(size * size * 4);
  const sx = img.width / size;
  const sy = img.height / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.min(img.height - 2, Math.floor(fy));
    const ay = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.min(img.width - 2, Math.floor(fx));
      const ax = fx - x0;
      for (let c = 0; c < 4; c++) {
        const at = (xx: number, yy: number) => img.data[4 * (yy * img.width + xx) + c] as number;
        out[4 * (y * size + x) + c] =
          (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) +
          (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay;
      }
    }
  }
  return { width: size, height: size, data: out };
}

/** Mask of a matte (alpha > threshold), resampled to size x size (nearest), eroded by `erode` pixels. */
export function matteMask(
  alpha: Float32Array,
  w: number,
  h: number,
  size: number,
  threshold = 0.95,
  erode = 3,
): Uint8Array {
  let m = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / size));
      const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / size));
      m[y * size + x] = (alpha[sy * w + sx] as number) > threshold ? 1 : 0;
    }
  }
  for (let r = 0; r < erode; r++) {
    const next = new Uint8Array(m.length);
    for (let y = 1; y < size - 1; y++) {
      for (let x = 1; x < size - 1; x++) {
        const p = y * size + x;
        next[p] = m[p] && m[p - 1] && m[p + 1] && m[p - size] && m[p + size] ? 1 : 0;
      }
    }
    m = next;
  }
  return m;
}
