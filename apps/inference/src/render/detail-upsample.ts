/**
 * The detail pass at half resolution (quality.ts detailScale 0.5, quilt views) brought to the
 * tile: 2x bilinear (align_corners = false: output pixel x samples x / 2 - 0.25, so the taps
 * weigh 3/4 and 1/4) of packed premultiplied RGBA8, in fixed point with two channels per
 * integer (red|blue and green|alpha lanes). Separable: each output row blends its two half-
 * resolution rows once into `scratch`, then each pixel is two taps of that.
 */

const LANES = 0x00ff00ff;

/** Half-resolution size of a tile side (detail.ts renders this many pixels, then upsampleHalf doubles it). */
export const halfSize = (n: number) => Math.ceil(n / 2);

/** The half-resolution rows [first, last] that output rows [rowStart, rowEnd) read. */
export function halfRowsFor(outH: number, rowStart: number, rowEnd: number): [number, number] {
  const h = halfSize(outH);
  const row = (y: number) => Math.max(0, Math.floor(y / 2 - 0.25));
  return [row(rowStart), Math.min(h - 1, row(rowEnd - 1) + 1)];
}

/** Scratch: one vertically blended row, two lane words per half-resolution pixel. */
export function createHalfScratch(maxWidth = 4096): Int32Array {
  return new Int32Array(2 * halfSize(maxWidth));
}

/**
 * Output rows [rowStart, rowEnd) of an outW x outH tile at (dstX, dstY) of `dst`, from the
 * half-resolution image in `src` (stride halfSize(outW)) whose row `first` is at src row 0.
 */
export function upsampleHalf(
  src: Uint32Array,
  first: number,
  dst: Uint32Array,
  dstStride: number,
  dstX: number,
  dstY: number,
  outW: number,
  outH: number,
  rowStart: number,
  rowEnd: number,
  scratch: Int32Array,
): void {
  const hw = halfSize(outW);
  const hh = halfSize(outH);
  for (let y = rowStart; y < rowEnd; y++) {
    // Vertical taps: even rows weigh the row above by 1/4, odd rows the row below.
    let y0 = y >> 1;
    let y1 = y0;
    if ((y & 1) === 0) y1 = y0 > 0 ? y0 - 1 : 0;
    else y1 = y0 + 1 < hh ? y0 + 1 : y0;
    y0 -= first;
    y1 -= first;
    const a = y0 * hw;
    const b = y1 * hw;
    // Lanes of 3 * near + far: at most 4 * 255, room for the horizontal pass's 4x more.
    for (let i = 0; i < hw; i++) {
      const p = src[a + i] as number;
      const q = src[b + i] as number;
      scratch[2 * i] = 3 * (p & LANES) + (q & LANES);
      scratch[2 * i + 1] = 3 * ((p >>> 8) & LANES) + ((q >>> 8) & LANES);
    }
    let d = (dstY + y) * dstStride + dstX;
    for (let x = 0; x < outW; x++, d++) {
      const i = x >> 1;
      let j: number;
      if ((x & 1) === 0) j = i > 0 ? i - 1 : 0;
      else j = i + 1 < hw ? i + 1 : i;
      // (3 near + far) / 16 per lane, rounded.
      const rb = ((3 * (scratch[2 * i] as number) + (scratch[2 * j] as number) + 0x00080008) >>> 4) & LANES;
      const ga = ((3 * (scratch[2 * i + 1] as number) + (scratch[2 * j + 1] as number) + 0x00080008) >>> 4) & LANES;
      dst[d] = rb | (ga << 8);
    }
  }
}
