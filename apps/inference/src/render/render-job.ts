import { quiltTileOrigins } from '@holocall/protocol';
import {
  createDetailScratch,
  type DetailScratch,
  detailRows,
  detailSourceRows,
  type JobWarp,
  RAY_COORD_FLOATS,
  textureRays,
} from './detail';
import { createHalfScratch, halfRowsFor, halfSize, upsampleHalf } from './detail-upsample';
import type { MarchKernel } from './march-kernel';
import type { MarchSettings } from './march-settings';
import { CAMERA_PREPARED_FLOATS } from './rays';
import type { SourceTexture } from './source-texture';
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
  /**
   * Detail at output resolution (detail.ts) instead of plain bilinear upsampling: null for the
   * old path. `textureAssetId` names the asset whose source texture colours the surface (the
   * source avatar's, also when the frame renders a working asset with a residual), 0 for none.
   * `scale` 0.5: the detail pass at half the tile's resolution, doubled bilinearly into the tile
   * (quality.ts detailScale; even tile sides only).
   */
  detail: { textureAssetId: number; warp: JobWarp | null; scale: 1 | 0.5 } | null;
}

export interface RenderJobBuffers {
  /** Low-res premultiplied RGBA floats, views * width * height * 4 (shared). */
  lowres: Float32Array;
  /** Output RGBA8, (cols * tileWidth) x (rows * tileHeight) (shared). */
  output: Uint8Array;
  /** The same memory as packed uint32 pixels (what the upsampler writes). */
  output32: Uint32Array;
  /**
   * [0]: next chunk to take (shared, advanced with Atomics.add); [1]: non-zero once the job is
   * aborted (a thread of it died), so threads waiting on its bands stop at once (JOB_ABORTED).
   */
  counter: Int32Array;
  /** Detail path: premultiplied ray depth, views * width * height (shared). */
  depth: Float32Array;
  /** Detail path: per ray depth, photo u, v and weight (RAY_COORD_FLOATS each, shared). */
  coords: Float32Array;
  /** Detail path: 1 once band (view * bandsPerView + band) is marched (shared; zeroed before each job). */
  bandsDone: Int32Array;
}

/** Chunks of a job: one per band, twice on the detail path (march, then the output rows). */
export function chunkCount(spec: RenderJobSpec): number {
  return spec.views * spec.bandsPerView * (spec.detail ? 2 : 1);
}

/** Bands per view: enough chunks for every thread to stay busy, whole views when there are many. */
export function bandsFor(views: number, rayRows: number, threads: number): number {
  if (views >= threads * 3) return 1;
  const wanted = Math.ceil((threads * 4) / views);
  return Math.max(1, Math.min(wanted, Math.floor(rayRows / 4)));
}

export interface ChunkScratch {
  upsample: UpsampleScratch;
  detail: DetailScratch;
  /** Half-resolution detail rows of one band (grown as needed) and the 2x upsampler's row. */
  half: { image: Uint32Array; row: Int32Array };
}

export function createChunkScratch(): ChunkScratch {
  return {
    upsample: createUpsampleScratch(),
    detail: createDetailScratch(),
    half: { image: new Uint32Array(0), row: createHalfScratch() },
  };
}

/** How long a detail chunk waits for a band another thread marches before the job fails (a thread that hangs). */
export const BAND_WAIT_MS = 10_000;
/** Index in RenderJobBuffers.counter of the aborted flag (set by the pool when a thread of the job dies). */
export const JOB_ABORTED = 1;
/** Ints in RenderJobBuffers.counter. */
export const JOB_COUNTER_INTS = 2;

/** Readies a job's shared state before its threads start: chunk 0 next, not aborted, no band marched. */
export function resetJobState(buf: RenderJobBuffers): void {
  Atomics.store(buf.counter, 0, 0);
  Atomics.store(buf.counter, JOB_ABORTED, 0);
  buf.bandsDone.fill(0);
}

/** Takes chunks until none are left; returns how many this thread did. */
export function runChunks(
  kernel: MarchKernel,
  spec: RenderJobSpec,
  buf: RenderJobBuffers,
  scratch: ChunkScratch,
  texture: SourceTexture | null = null,
): number {
  if (spec.detail) return runDetailChunks(kernel, spec, buf, scratch, texture);
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
      scratch.upsample,
    );
  }
  return done;
}

/**
 * The detail path in two phases on one counter: chunks [0, n) march one band each (its own rows
 * only) and texture its rays; chunks [n, 2n) produce a band's output rows, which read low-res
 * rows one above and two below it (the B-spline), so each first waits until the bands holding
 * those rows are marched. Every march chunk is taken before any output chunk, so a wait is only
 * ever on work in progress on another thread (inline, in order, it never waits).
 */
function runDetailChunks(
  kernel: MarchKernel,
  spec: RenderJobSpec,
  buf: RenderJobBuffers,
  scratch: ChunkScratch,
  texture: SourceTexture | null,
): number {
  const n = spec.views * spec.bandsPerView;
  const half = spec.detail?.scale === 0.5;
  const s = spec.settings;
  const bandRows = Math.ceil(s.height / spec.bandsPerView);
  const rays = s.width * s.height;
  const outStride = spec.cols * spec.tileWidth;
  const tiles = quiltTileOrigins(spec);
  const warp = spec.detail?.warp ?? null;
  kernel.terminationTransmittance = spec.terminationTransmittance;
  let done = 0;
  for (;;) {
    const c = Atomics.add(buf.counter, 0, 1);
    if (c >= 2 * n) break;
    done++;
    const job = c < n ? c : c - n;
    const view = Math.floor(job / spec.bandsPerView);
    const band = job % spec.bandsPerView;
    const r0 = Math.min(s.height, band * bandRows);
    const r1 = Math.min(s.height, r0 + bandRows);
    const cam = view * CAMERA_PREPARED_FLOATS;
    if (c < n) {
      if (r1 > r0) {
        kernel.marchRows(spec.cameras, cam, s, r0, r1, buf.lowres, view * rays * 4, buf.depth, view * rays);
        textureRays(
          spec.cameras,
          cam,
          s.width,
          s.height,
          r0,
          r1,
          buf.lowres,
          view * rays * 4,
          buf.depth,
          view * rays,
          buf.coords,
          view * rays * RAY_COORD_FLOATS,
          texture,
          warp,
        );
      }
      Atomics.store(buf.bandsDone, c, 1);
      Atomics.notify(buf.bandsDone, c);
      continue;
    }
    if (r1 <= r0) continue;
    const [y0, y1] = outputRowsForSourceBand(s.height, spec.tileHeight, r0, r1);
    if (y1 <= y0) continue;
    const tile = tiles[view]!;
    // Detail rows [h0, h1) at the resolution the pass runs at (the tile's, or half of it).
    const [h0, h1] = half ? halfRowsFor(spec.tileHeight, y0, y1).map((r, i) => r + i) : [y0, y1];
    const detailH = half ? halfSize(spec.tileHeight) : spec.tileHeight;
    const [first, last] = detailSourceRows(s.height, detailH, h0 as number, h1 as number);
    for (let b = Math.floor(first / bandRows); b <= Math.floor(last / bandRows); b++) {
      waitForBand(buf.bandsDone, view * spec.bandsPerView + b, buf.counter);
    }
    const lowOffset = view * rays * 4;
    const coordOffset = view * rays * RAY_COORD_FLOATS;
    if (!half) {
      detailRows(
        buf.lowres,
        lowOffset,
        buf.coords,
        coordOffset,
        s.width,
        s.height,
        texture,
        buf.output32,
        outStride,
        tile.col * spec.tileWidth,
        tile.row * spec.tileHeight,
        spec.tileWidth,
        spec.tileHeight,
        y0,
        y1,
        scratch.detail,
      );
      continue;
    }
    const hw = halfSize(spec.tileWidth);
    const need = hw * ((h1 as number) - (h0 as number));
    if (scratch.half.image.length < need) scratch.half.image = new Uint32Array(need);
    // The half-resolution rows written from row 0 of the scratch image (dstY = -h0).
    detailRows(
      buf.lowres,
      lowOffset,
      buf.coords,
      coordOffset,
      s.width,
      s.height,
      texture,
      scratch.half.image,
      hw,
      0,
      -(h0 as number),
      hw,
      detailH,
      h0 as number,
      h1 as number,
      scratch.detail,
    );
    upsampleHalf(
      scratch.half.image,
      h0 as number,
      buf.output32,
      outStride,
      tile.col * spec.tileWidth,
      tile.row * spec.tileHeight,
      spec.tileWidth,
      spec.tileHeight,
      y0,
      y1,
      scratch.half.row,
    );
  }
  return done;
}

function waitForBand(flags: Int32Array, index: number, counter: Int32Array): void {
  const deadline = Date.now() + BAND_WAIT_MS;
  while (Atomics.load(flags, index) === 0) {
    if (Atomics.load(counter, JOB_ABORTED) !== 0) throw new Error('render job aborted: a thread of it died');
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`render band ${index} was not marched within ${BAND_WAIT_MS} ms`);
    Atomics.wait(flags, index, 0, Math.min(left, 100));
  }
}
