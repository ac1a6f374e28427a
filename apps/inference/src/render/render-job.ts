import { quiltTileOrigins } from '@holocall/protocol';
import type { MarchKernel } from './march-kernel';
import type { MarchSettings } from './march-settings';
import { CAMERA_PREPARED_FLOATS } from './rays';
import { createUpsampleScratch, outputRowsForSourceBand, type UpsampleScratch, upsampleRows } from './upsample';

/**
 * One render call split into chunks that any thread can take: chunk c is band (c % bands) of
 * view floor(c / bands). A chunk marches its low-res rows (plus the one row below that its
 * upsampling reads) and upsamples its share of the view's output rows into the view's tile.
 * Tiles follow the Looking Glass quilt layout: view 0 bottom-left, views left to right, then
 * upward; a flat view is a 1 x 1 quilt.
 */
export interface RenderJobSpec {
  assetId: number;
  views: number;
  settings: MarchSettings;
  /** `views` prepared cameras (CAMERA_PREPARED_FLOATS each). */
  cameras: Float64Array;
  tileWidth: number;
  tileHeight: number;
  cols: number;
  rows: number;
  bandsPerView: number;
  terminationTransmittance: number;
}

export interface RenderJobBuffers {
  /** Low-res premultiplied RGBA floats, views * width * height * 4 (shared). */
  lowres: Float32Array;
  /** Output RGBA8, (cols * tileWidth) x (rows * tileHeight) (shared). */
  output: Uint8Array;
  /** The same memory as packed uint32 pixels (what the upsampler writes). */
  output32: Uint32Array;
  /** [0]: next chunk to take (shared, advanced with Atomics.add). */
  counter: Int32Array;
}

export function chunkCount(spec: RenderJobSpec): number {
  return spec.views * spec.bandsPerView;
}

/** Bands per view: enough chunks for every thread to stay busy, whole views when there are many. */
export function bandsFor(views: number, rayRows: number, threads: number): number {
  if (views >= threads * 3) return 1;
  const wanted = Math.ceil((threads * 4) / views);
  return Math.max(1, Math.min(wanted, Math.floor(rayRows / 4)));
}

export type ChunkScratch = UpsampleScratch;

export function createChunkScratch(): ChunkScratch {
  return createUpsampleScratch();
}

/** Takes chunks until none are left; returns how many this thread did. */
export function runChunks(
  kernel: MarchKernel,
  spec: RenderJobSpec,
  buf: RenderJobBuffers,
  scratch: ChunkScratch,
): number {
  const total = chunkCount(spec);
  const s = spec.settings;
  const bandRows = Math.ceil(s.height / spec.bandsPerView);
  const viewFloats = s.width * s.height * 4;
  const outStride = spec.cols * spec.tileWidth;
  // Once per job (not per band): the protocol's quilt placement, view 0 bottom-left.
  const tiles = quiltTileOrigins(spec);
  kernel.terminationTransmittance = spec.terminationTransmittance;
  let done = 0;
  for (;;) {
    const c = Atomics.add(buf.counter, 0, 1);
    if (c >= total) break;
    done++;
    const view = Math.floor(c / spec.bandsPerView);
    const band = c % spec.bandsPerView;
    const r0 = band * bandRows;
    if (r0 >= s.height) continue;
    const r1 = Math.min(s.height, r0 + bandRows);
    const lowOffset = view * viewFloats;
    kernel.marchRows(
      spec.cameras,
      view * CAMERA_PREPARED_FLOATS,
      s,
      r0,
      Math.min(s.height, r1 + 1),
      buf.lowres,
      lowOffset,
    );
    const [y0, y1] = outputRowsForSourceBand(s.height, spec.tileHeight, r0, r1);
    if (y1 <= y0) continue;
    const tile = tiles[view]!;
    upsampleRows(
      buf.lowres,
      lowOffset,
      s.width,
      s.height,
      buf.output32,
      outStride,
      tile.col * spec.tileWidth,
      tile.row * spec.tileHeight,
      spec.tileWidth,
      spec.tileHeight,
      y0,
      y1,
      scratch,
    );
  }
  return done;
}
