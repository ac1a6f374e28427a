import { DENSITY_GAIN, DENSITY_OFFSET, RAW_EMPTY_THRESHOLD } from '../triplane/decoder';
import { TRIPLANE_PLANES } from '../triplane/layout';
import { BOX_WARP } from './eg3d';
import { PACKED_STRIDE } from './packed-planes';
import { sharedBuffer } from './shared-memory';

/**
 * A conservative occupancy grid: cell (x, y, z) is marked empty only when no point in it can
 * have raw density above RAW_EMPTY_THRESHOLD. Bilinear sampling is a convex combination of
 * its four taps, so the per-plane maximum over the taps a cell can reach bounds the plane's
 * term; the sum of the three bounds (per density channel, then max) bounds the decoder input.
 * Taps outside the plane count as zero (GridSample's zero padding), which also makes the
 * border cells bound every point beyond them: rays need not be marched outside the grid.
 *
 * The grid spans [-EXTENT, EXTENT]^3, just past the tri-plane box so that the bilinear fringe
 * around the box belongs to border cells. Built once per tri-plane, and per frame only when a
 * non-zero residual changed the density channels.
 */
export const OCCUPANCY_CELLS = 64;

export interface Occupancy {
  readonly cells: number;
  /** Half side of the cube the grid spans, world units. */
  readonly extent: number;
  /** `[z][y][x]` 1 = may hold density. */
  readonly grid: Uint8Array;
  /**
   * [0..5]: world AABB of occupied cells (min xyz, max xyz), +-Infinity where it touches the grid
   * border; [6]: number of occupied cells (0: nothing to render). A typed array so that the grid can
   * live in shared memory and be read by render workers.
   */
  readonly bounds: Float64Array;
}

export const OCCUPANCY_BOUNDS_FLOATS = 7;
export const OCCUPIED_COUNT = 6;

export function occupiedCells(occ: Occupancy): number {
  return occ.bounds[OCCUPIED_COUNT] as number;
}

export function occupancyExtent(resolution: number): number {
  return BOX_WARP * (0.5 + 2 / resolution);
}

/** An occupancy grid; `shared` puts it in shared memory (shared-memory.ts) so render workers can read it. */
export function createOccupancy(resolution: number, cells = OCCUPANCY_CELLS, shared = false): Occupancy {
  const buffer = (bytes: number) => (shared ? sharedBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    cells,
    extent: occupancyExtent(resolution),
    grid: new Uint8Array(buffer(cells * cells * cells)),
    bounds: new Float64Array(buffer(OCCUPANCY_BOUNDS_FLOATS * 8)),
  };
}

/** Scratch for one build (reuse across frames to stay allocation-free). */
export interface OccupancyScratch {
  rowMax: Float32Array;
  planeMax: Float32Array;
  tapLo: Int32Array;
  tapHi: Int32Array;
}

export function createOccupancyScratch(resolution: number, cells = OCCUPANCY_CELLS): OccupancyScratch {
  return {
    rowMax: new Float32Array(resolution * cells),
    planeMax: new Float32Array(TRIPLANE_PLANES * 2 * cells * cells),
    tapLo: new Int32Array(cells),
    tapHi: new Int32Array(cells),
  };
}

export function buildOccupancy(
  packed: Float32Array,
  resolution: number,
  occ: Occupancy,
  scratch: OccupancyScratch,
): void {
  const R = resolution;
  const N = occ.cells;
  const cellSize = (2 * occ.extent) / N;
  // Texel taps any point of cell c can touch along one axis (same for every axis and plane).
  for (let c = 0; c < N; c++) {
    const a = -occ.extent + c * cellSize;
    const b = a + cellSize;
    scratch.tapLo[c] = Math.floor((a / BOX_WARP + 0.5) * R - 0.5);
    scratch.tapHi[c] = Math.floor((b / BOX_WARP + 0.5) * R - 0.5) + 1;
  }
  const { rowMax, planeMax, tapLo, tapHi } = scratch;
  for (let p = 0; p < TRIPLANE_PLANES; p++) {
    for (let ch = 0; ch < 2; ch++) {
      const base = p * R * R * PACKED_STRIDE + ch;
      // Max over each u-cell's taps, per texel row.
      for (let row = 0; row < R; row++) {
        for (let cu = 0; cu < N; cu++) {
          const lo = tapLo[cu] as number;
          const hi = tapHi[cu] as number;
          let m = lo < 0 || hi > R - 1 ? 0 : Number.NEGATIVE_INFINITY;
          const from = Math.max(lo, 0);
          const to = Math.min(hi, R - 1);
          for (let col = from; col <= to; col++) {
            const v = packed[base + (row * R + col) * PACKED_STRIDE] as number;
            if (v > m) m = v;
          }
          rowMax[row * N + cu] = m;
        }
      }
      // Then over each v-cell's rows.
      const out = (p * 2 + ch) * N * N;
      for (let cv = 0; cv < N; cv++) {
        const lo = tapLo[cv] as number;
        const hi = tapHi[cv] as number;
        const outside = lo < 0 || hi > R - 1;
        const from = Math.max(lo, 0);
        const to = Math.min(hi, R - 1);
        for (let cu = 0; cu < N; cu++) {
          let m = outside ? 0 : Number.NEGATIVE_INFINITY;
          for (let row = from; row <= to; row++) {
            const v = rowMax[row * N + cu] as number;
            if (v > m) m = v;
          }
          planeMax[out + cv * N + cu] = m;
        }
      }
    }
  }
  // A cell is occupied when GAIN * (max(b0, b1) + OFFSET) can exceed the threshold. Plane cells:
  // xy at (v = y, u = x), yz at (v = z, u = y), zx at (v = x, u = z) (see PLANE_AXES).
  const featureThreshold = RAW_EMPTY_THRESHOLD / DENSITY_GAIN - DENSITY_OFFSET;
  const NN = N * N;
  const xy0 = 0;
  const xy1 = NN;
  const yz0 = 2 * NN;
  const yz1 = 3 * NN;
  const zx0 = 4 * NN;
  const zx1 = 5 * NN;
  let loX = N;
  let loY = N;
  let loZ = N;
  let hiX = -1;
  let hiY = -1;
  let hiZ = -1;
  let occupied = 0;
  const grid = occ.grid;
  for (let z = 0; z < N; z++) {
    for (let y = 0; y < N; y++) {
      const yzCell = z * N + y;
      const a0 = planeMax[yz0 + yzCell] as number;
      const a1 = planeMax[yz1 + yzCell] as number;
      const rowBase = (z * N + y) * N;
      for (let x = 0; x < N; x++) {
        const xyCell = y * N + x;
        const zxCell = x * N + z;
        const b0 = a0 + (planeMax[xy0 + xyCell] as number) + (planeMax[zx0 + zxCell] as number);
        const b1 = a1 + (planeMax[xy1 + xyCell] as number) + (planeMax[zx1 + zxCell] as number);
        if (b0 > featureThreshold || b1 > featureThreshold) {
          grid[rowBase + x] = 1;
          occupied++;
          if (x < loX) loX = x;
          if (x > hiX) hiX = x;
          if (y < loY) loY = y;
          if (y > hiY) hiY = y;
          if (z < loZ) loZ = z;
          if (z > hiZ) hiZ = z;
        } else grid[rowBase + x] = 0;
      }
    }
  }
  const lo = [loX, loY, loZ];
  const hi = [hiX, hiY, hiZ];
  occ.bounds[OCCUPIED_COUNT] = occupied;
  for (let a = 0; a < 3; a++) {
    const l = lo[a] as number;
    const h = hi[a] as number;
    occ.bounds[a] = l <= 0 ? Number.NEGATIVE_INFINITY : -occ.extent + l * cellSize;
    occ.bounds[3 + a] = h >= N - 1 ? Number.POSITIVE_INFINITY : -occ.extent + (h + 1) * cellSize;
  }
}
