/** Scratch for one thread's upsampling (sized for the widest tile). */
export interface UpsampleScratch {
  xTaps: Int32Array;
  xWeights: Float32Array;
  /** Two low-res rows resampled to the output width, RGBA scaled to [0, 255]. */
  rowA: Float32Array;
  rowB: Float32Array;
}

export const MAX_TILE_WIDTH = 4096;

export function createUpsampleScratch(maxWidth = MAX_TILE_WIDTH): UpsampleScratch {
  return {
    xTaps: new Int32Array(maxWidth),
    xWeights: new Float32Array(maxWidth),
    rowA: new Float32Array(maxWidth * 4),
    rowB: new Float32Array(maxWidth * 4),
  };
}

/**
 * Bilinear upsampling (F.interpolate(mode='bilinear', align_corners=False)) of the kernel's
 * low-resolution premultiplied RGBA floats into 8-bit RGBA, written straight into a tile of
 * the output image (as packed little-endian uint32 pixels). Colour is composited over black
 * (EG3D's background), alpha is coverage. Separable: each low-res row a tile needs is
 * resampled to the output width once (and clamped to [0, 255]), then every output row is a
 * blend of two such rows. Rows [outRowStart, outRowEnd) of the tile are produced, reading only
 * the low-res rows `upsampleSourceRows` names for them, so bands of a view run in parallel.
 */
export function upsampleRows(
  src: Float32Array,
  srcOffset: number,
  srcW: number,
  srcH: number,
  dst: Uint32Array,
  dstStride: number,
  dstX: number,
  dstY: number,
  outW: number,
  outH: number,
  outRowStart: number,
  outRowEnd: number,
  scratch: UpsampleScratch,
): void {
  const { xTaps, xWeights } = scratch;
  const sx = srcW / outW;
  for (let x = 0; x < outW; x++) {
    let fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    let x0 = Math.floor(fx);
    if (x0 > srcW - 1) x0 = srcW - 1;
    xTaps[x] = x0;
    xWeights[x] = x0 >= srcW - 1 ? 0 : fx - x0;
  }
  let rowA = scratch.rowA;
  let rowB = scratch.rowB;
  let haveA = -1;
  let haveB = -1;
  const sy = srcH / outH;
  for (let y = outRowStart; y < outRowEnd; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    let y0 = Math.floor(fy);
    if (y0 > srcH - 1) y0 = srcH - 1;
    const wy = y0 >= srcH - 1 ? 0 : fy - y0;
    // Keep rowA = source row y0 and rowB = y0 + 1, reusing what the previous output row had.
    if (haveA !== y0) {
      if (haveB === y0) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        haveA = y0;
        haveB = -1;
      } else {
        resampleRow(src, srcOffset + y0 * srcW * 4, xTaps, xWeights, outW, rowA);
        haveA = y0;
      }
    }
    let d = (dstY + y) * dstStride + dstX;
    if (wy === 0) {
      for (let x = 0, i = 0; x < outW; x++, i += 4) {
        dst[d++] =
          ((rowA[i] as number) + 0.5) |
          0 |
          ((((rowA[i + 1] as number) + 0.5) | 0) << 8) |
          ((((rowA[i + 2] as number) + 0.5) | 0) << 16) |
          ((((rowA[i + 3] as number) + 0.5) | 0) << 24);
      }
      continue;
    }
    if (haveB !== y0 + 1) {
      resampleRow(src, srcOffset + (y0 + 1) * srcW * 4, xTaps, xWeights, outW, rowB);
      haveB = y0 + 1;
    }
    for (let x = 0, i = 0; x < outW; x++, i += 4) {
      const r = rowA[i] as number;
      const g = rowA[i + 1] as number;
      const b = rowA[i + 2] as number;
      const a = rowA[i + 3] as number;
      dst[d++] =
        (r + wy * ((rowB[i] as number) - r) + 0.5) |
        0 |
        (((g + wy * ((rowB[i + 1] as number) - g) + 0.5) | 0) << 8) |
        (((b + wy * ((rowB[i + 2] as number) - b) + 0.5) | 0) << 16) |
        (((a + wy * ((rowB[i + 3] as number) - a) + 0.5) | 0) << 24);
    }
  }
}

/** One low-res row resampled to the output width, scaled to [0, 255] and clamped there. */
function resampleRow(
  src: Float32Array,
  rowOffset: number,
  xTaps: Int32Array,
  xWeights: Float32Array,
  outW: number,
  out: Float32Array,
): void {
  for (let x = 0, o = 0; x < outW; x++, o += 4) {
    const a = rowOffset + (xTaps[x] as number) * 4;
    const w = xWeights[x] as number;
    const b = w === 0 ? a : a + 4;
    for (let c = 0; c < 4; c++) {
      const p = src[a + c] as number;
      let v = (p + w * ((src[b + c] as number) - p)) * 255;
      v = v < 0 ? 0 : Math.min(v, 255);
      out[o + c] = v;
    }
  }
}

/** The low-res rows [first, last] that output rows [outRowStart, outRowEnd) read. */
export function upsampleSourceRows(
  srcH: number,
  outH: number,
  outRowStart: number,
  outRowEnd: number,
): [number, number] {
  const sy = srcH / outH;
  const row = (y: number) => Math.min(srcH - 1, Math.max(0, Math.floor((y + 0.5) * sy - 0.5)));
  return [row(outRowStart), Math.min(srcH - 1, row(outRowEnd - 1) + 1)];
}

/** Output rows whose first source row lies in [srcRowStart, srcRowEnd): a partition of the output by source band. */
export function outputRowsForSourceBand(
  srcH: number,
  outH: number,
  srcRowStart: number,
  srcRowEnd: number,
): [number, number] {
  const sy = srcH / outH;
  const first = (r: number) => {
    // Smallest y with floor(max(0, (y + 0.5) * sy - 0.5)) >= r.
    if (r <= 0) return 0;
    return Math.max(0, Math.ceil((r + 0.5) / sy - 0.5));
  };
  return [Math.min(outH, first(srcRowStart)), srcRowEnd >= srcH ? outH : Math.min(outH, first(srcRowEnd))];
}

/** The whole of one low-resolution view upsampled into its quilt tile (column, row) of the output image. */
export function upsampleIntoTile(
  src: Float32Array,
  srcOffset: number,
  srcW: number,
  srcH: number,
  dst: Uint32Array,
  dstStride: number,
  tile: { col: number; row: number },
  tileWidth: number,
  tileHeight: number,
  scratch: UpsampleScratch,
): void {
  const x = tile.col * tileWidth;
  const y = tile.row * tileHeight;
  upsampleRows(src, srcOffset, srcW, srcH, dst, dstStride, x, y, tileWidth, tileHeight, 0, tileHeight, scratch);
}
