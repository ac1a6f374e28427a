import { MAX_QUILT_VIEWS } from '@holocall/protocol';
import type {
  PreparedTriplane,
  RenderedFrame,
  RenderRequest,
  RenderStage,
  ResidualTriplane,
  SourceFace,
  TextureWarp,
} from '../stages/contract';
import type { Triplane } from '../triplane/layout';
import { type JobWarp, jobWarpOf } from './detail';
import type { RenderThreads } from './inline-render-pool';
import { DEFAULT_TERMINATION_TRANSMITTANCE } from './march-kernel';
import { marchSettings } from './march-settings';
import { presetFor, rayGridFor } from './quality';
import { assertRenderableCamera, CAMERA_PREPARED_FLOATS, prepareCamera } from './rays';
import { createRenderAsset, prepareRenderAsset, type RenderAsset, updateRenderAsset } from './render-asset';
import { bandsFor, type RenderJobSpec } from './render-job';
import { renderSize } from './render-size';
import { sharedBuffer } from './shared-memory';

interface CpuPrepared extends PreparedTriplane {
  readonly asset: RenderAsset;
}

export interface CpuRenderOptions {
  /**
   * Detail at output resolution (detail.ts; default true): photo texture through the
   * expression's warp where the avatar has a photo, anti-aliased silhouette always. False is
   * the old path (the ray grid bilinearly upsampled), kept for benches and comparisons.
   */
  detail?: boolean;
  /**
   * The detail pass at the tile's full resolution on every level, also where the level's
   * preset halves it (quilt views, quality.ts detailScale): for benches and comparisons.
   */
  fullDetail?: boolean;
}

/**
 * The fast CPU renderer as a render stage: the sparse ray marcher on a pool of threads.
 * Tri-planes are prepared once (packed planes + occupancy grid in shared memory, and the
 * source photo's texture when the source face has one); frames with a residual are packed
 * into one reusable working asset (frames render one at a time).
 */
export class CpuRenderStage implements RenderStage {
  readonly name = 'cpu-sparse-marcher';
  readonly executionProvider = 'cpu';
  readonly untrained = false;
  private readonly working = new Map<number, RenderAsset>();
  private readonly cameras = new Float64Array(MAX_QUILT_VIEWS * CAMERA_PREPARED_FLOATS);

  readonly detail: boolean;
  readonly fullDetail: boolean;
  /** The frame's warp copied where render threads read it without a copy per job (grown, never shrunk). */
  private warpBuffer = new Float32Array(sharedBuffer(4));

  constructor(
    private readonly pool: RenderThreads,
    options: CpuRenderOptions = {},
  ) {
    this.detail = options.detail ?? true;
    this.fullDetail = options.fullDetail ?? false;
  }

  async prepare(triplane: Triplane, sourceFace?: SourceFace): Promise<CpuPrepared> {
    const asset = prepareRenderAsset(triplane, this.detail ? sourceFace : undefined);
    this.pool.attach(asset);
    return { triplane, asset, bytes: asset.bytes };
  }

  release(prepared: PreparedTriplane): void {
    this.pool.detach((prepared as CpuPrepared).asset.id);
  }

  async render(
    prepared: PreparedTriplane,
    residual: ResidualTriplane | null,
    request: RenderRequest,
  ): Promise<RenderedFrame> {
    const started = performance.now();
    const source = (prepared as CpuPrepared).asset;
    let asset = source;
    if (residual) {
      let work = this.working.get(source.resolution);
      if (!work) {
        work = createRenderAsset(source.resolution);
        this.working.set(source.resolution, work);
        this.pool.attach(work);
      }
      updateRenderAsset(work, prepared.triplane, residual);
      asset = work;
    }
    const { views, cols, rows, width, height } = renderSize(request);
    request.cameras.forEach((cam, i) => {
      assertRenderableCamera(cam, `camera ${i}`);
      prepareCamera(cam, this.cameras, i * CAMERA_PREPARED_FLOATS);
    });
    const preset = presetFor(request.quality, views);
    const grid = rayGridFor(preset, request.tileWidth, request.tileHeight);
    const settings = marchSettings(grid.width, grid.height, preset.coarseSamples, preset.fineSamples);
    const bandsPerView = bandsFor(views, grid.height, Math.max(1, this.pool.threads));
    const spec: RenderJobSpec = {
      assetId: asset.id,
      views,
      settings,
      cameras: this.cameras.subarray(0, views * CAMERA_PREPARED_FLOATS),
      tileWidth: request.tileWidth,
      tileHeight: request.tileHeight,
      cols,
      rows,
      bandsPerView,
      terminationTransmittance: DEFAULT_TERMINATION_TRANSMITTANCE,
      detail: this.detail
        ? {
            textureAssetId: source.texture ? source.id : 0,
            warp: source.texture && residual?.textureWarp ? this.sharedWarp(residual.textureWarp) : null,
            scale: this.detailScale(preset.detailScale, request, grid),
          }
        : null,
    };
    const buffers = this.pool.buffersFor(
      views * grid.width * grid.height * 4,
      width * height * 4,
      views * bandsPerView,
    );
    const { decoded } = await this.pool.run(spec, buffers);
    return {
      pixels: buffers.output,
      width,
      height,
      views,
      rays: {
        width: grid.width,
        height: grid.height,
        coarseSamples: preset.coarseSamples,
        fineSamples: preset.fineSamples,
      },
      decodedSamples: decoded,
      ms: performance.now() - started,
    };
  }

  /**
   * The preset's detail scale where half resolution still has at least twice the ray grid's
   * resolution and the tile's sides are even (the 2x upsampler's exact alignment); else 1.
   */
  private detailScale(preset: 1 | 0.5, request: RenderRequest, grid: { width: number; height: number }): 1 | 0.5 {
    if (this.fullDetail || preset === 1) return 1;
    const { tileWidth: w, tileHeight: h } = request;
    return w % 2 === 0 && h % 2 === 0 && w >= 4 * grid.width && h >= 4 * grid.height ? 0.5 : 1;
  }

  private sharedWarp(w: TextureWarp): JobWarp {
    const n = w.srcU.length;
    if (w.srcV.length !== n || w.photoWeight.length !== n || n !== (w.box[2] - w.box[0]) * (w.box[3] - w.box[1])) {
      throw new RangeError('texture warp arrays do not match its box');
    }
    if (this.warpBuffer.length < 3 * n) this.warpBuffer = new Float32Array(sharedBuffer(3 * n * 4));
    const buf = this.warpBuffer;
    buf.set(w.srcU, 0);
    buf.set(w.srcV, n);
    buf.set(w.photoWeight, 2 * n);
    return {
      ...(jobWarpOf(w) as JobWarp),
      srcU: buf.subarray(0, n),
      srcV: buf.subarray(n, 2 * n),
      photoWeight: buf.subarray(2 * n, 3 * n),
    };
  }

  stats(): Record<string, unknown> {
    return { pool: this.pool.stats() };
  }

  async close(): Promise<void> {
    for (const w of this.working.values()) this.pool.detach(w.id);
    this.working.clear();
    await this.pool.close();
  }
}
