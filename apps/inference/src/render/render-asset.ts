import type { SourceFace } from '../stages/contract';
import type { Triplane } from '../triplane/layout';
import {
  buildOccupancy,
  createOccupancy,
  createOccupancyScratch,
  type Occupancy,
  type OccupancyScratch,
} from './occupancy';
import { packedFloats, packRenderPlanes } from './packed-planes';
import { sharedBuffer } from './shared-memory';
import { buildSourceTexture, type SourceTexture } from './source-texture';

/**
 * What the fast renderer needs of one tri-plane, in shared memory so render workers read it
 * without copies: the packed render planes and the occupancy grid. One per cached avatar
 * (the source tri-plane), plus one reusable "working" asset per sender for frames whose
 * residual is non-zero (T' = T + residual is packed into it, and its grid rebuilt).
 */
export interface RenderAsset {
  readonly id: number;
  readonly resolution: number;
  readonly packed: Float32Array;
  readonly occ: Occupancy;
  /** What the detail pass textures this avatar from (its photo), when the source face had one. */
  readonly texture: SourceTexture | null;
  /** Bytes this asset holds (packed planes + grid + texture). */
  readonly bytes: number;
}

let nextAssetId = 1;

export function createRenderAsset(resolution: number): RenderAsset {
  const packed = new Float32Array(sharedBuffer(packedFloats(resolution) * 4));
  const occ = createOccupancy(resolution, undefined, true);
  return {
    id: nextAssetId++,
    resolution,
    packed,
    occ,
    texture: null,
    bytes: packed.byteLength + occ.grid.byteLength + occ.bounds.byteLength,
  };
}

const scratchByResolution = new Map<number, OccupancyScratch>();

/** Packs `t` (+ `residual`) into `asset` and rebuilds its occupancy grid. */
export function updateRenderAsset(asset: RenderAsset, t: Triplane, residual: Triplane | null = null): void {
  if (t.resolution !== asset.resolution) throw new RangeError('tri-plane resolution differs from the asset');
  packRenderPlanes(t, residual, asset.packed);
  let scratch = scratchByResolution.get(asset.resolution);
  if (!scratch) {
    scratch = createOccupancyScratch(asset.resolution);
    scratchByResolution.set(asset.resolution, scratch);
  }
  buildOccupancy(asset.packed, asset.resolution, asset.occ, scratch);
}

/** A source avatar's asset; with a photo in `sourceFace`, also its texture (source-texture.ts). */
export function prepareRenderAsset(t: Triplane, sourceFace?: SourceFace): RenderAsset {
  const asset = createRenderAsset(t.resolution);
  updateRenderAsset(asset, t);
  const texture = sourceFace ? buildSourceTexture(sourceFace, asset.packed, asset.resolution, asset.occ) : null;
  if (!texture) return asset;
  return { ...asset, texture, bytes: asset.bytes + texture.bytes };
}
