import type { RgbaImage } from '@holocall/face';
import { type DriverFrame, HolocallError, type ViewSpec } from '@holocall/protocol';
import { ReferenceReenact } from '../backends/reference/reenact';
import { landmarksForImage } from '../enrollment/enrollment-landmarks';
import { liftDecodedPhoto, type PhotoLiftStage } from '../enrollment/lift-photo';
import { renderTurntable, type Turntable, type TurntableOptions } from '../enrollment/turntable';

export { PREVIEW_LIFT_SHARE } from '../enrollment/turntable';

import { CpuRenderStage } from '../render/cpu-render-stage';
import { InlineRenderPool } from '../render/inline-render-pool';
import { AdaptiveQuality, type QualityLevel } from '../render/quality';
import { RenderTurns } from '../render/render-turns';
import { camerasForView } from '../render/view-cameras';

export { SHARED_MEMORY } from '../render/shared-memory';

import type { PreparedTriplane, RenderedFrame, SourceFace } from '../stages/contract';

/** Frame rate the page's adaptive quality aims for (the node's default target too). */
export const PAGE_TARGET_FPS = 30;

export interface PageLift {
  bytes: number;
  ms: { align: number; lift: number; prepare: number; total: number };
}

export interface PageRender {
  /** The stage's frame, its pixels copied out (the page's own, e.g. to transfer to the main thread). */
  rendered: RenderedFrame;
  quality: QualityLevel;
  ms: number;
}

/**
 * The inference node's avatar pipeline, in one thread of a page (a Web Worker): the same
 * reference lift (lift-photo.ts), reference reenactment and sparse CPU renderer with its detail
 * pass, the same adaptive quality levels; only the threads (InlineRenderPool: the calling
 * thread) and the segmentation model's runtime (installed by the page, segmenter-slot.ts)
 * differ. So a page without a node shows the same head a node would render for the same frame.
 *
 * Nothing here imports Node: the web app bundles it into its page-render worker.
 */
export class PageEngine {
  private readonly pool = new InlineRenderPool();
  private readonly stage = new CpuRenderStage(this.pool);
  private readonly reenact = new ReferenceReenact();
  private readonly avatars = new Map<string, { prepared: PreparedTriplane; sourceFace: SourceFace }>();
  readonly adaptive = new AdaptiveQuality(PAGE_TARGET_FPS);
  /** Frames and turntable views take turns on the stage (its output is valid until its next render). */
  private readonly turns = new RenderTurns();

  has(key: string): boolean {
    return this.avatars.has(key);
  }

  /**
   * Lifts a decoded enrolled photo under `key`. `landmarks` are the tracker's (478 x 3) in an
   * image of `landmarkSpace` size, checked against the decoded photo's size as the node checks
   * them; a typed HolocallError when the photo or the landmarks cannot be lifted.
   */
  async lift(
    key: string,
    photo: RgbaImage,
    landmarks: Float32Array,
    landmarkSpace: { width: number; height: number },
    progress: (stage: PhotoLiftStage | 'prepare', fraction: number) => void = () => {},
  ): Promise<PageLift> {
    const t0 = performance.now();
    const checked = landmarksForImage(landmarks, landmarkSpace, { width: photo.width, height: photo.height });
    const lifted = liftDecodedPhoto(photo, checked, undefined, progress);
    progress('prepare', 0);
    const t1 = performance.now();
    this.forget(key);
    const prepared = await this.stage.prepare(lifted.triplane, lifted.sourceFace);
    this.avatars.set(key, { prepared, sourceFace: lifted.sourceFace });
    const t2 = performance.now();
    return { bytes: prepared.bytes, ms: { ...lifted.ms, prepare: t2 - t1, total: t2 - t0 } };
  }

  forget(key: string): void {
    const avatar = this.avatars.get(key);
    if (!avatar) return;
    this.stage.release(avatar.prepared);
    this.avatars.delete(key);
  }

  /**
   * Renders one driver frame of the avatar under `key` for `view`, at the level the page's own
   * frame times chose, and records this frame's time. Renders take turns (with turntables).
   */
  render(key: string, frame: DriverFrame, view: ViewSpec): Promise<PageRender> {
    return this.turns.run(() => this.renderNow(key, frame, view));
  }

  private async renderNow(key: string, frame: DriverFrame, view: ViewSpec): Promise<PageRender> {
    const avatar = this.avatars.get(key);
    if (!avatar) {
      throw new HolocallError('not_found', 'the page has not lifted this avatar', {
        details: { key: key.slice(0, 12) },
      });
    }
    const started = performance.now();
    const residual = await this.reenact.residual({
      source: avatar.prepared.triplane,
      sourceFace: avatar.sourceFace,
      driver: frame.expression,
    });
    const quality = this.adaptive.level;
    const out = await this.stage.render(avatar.prepared, residual, { ...camerasForView(view, frame.pose), quality });
    // A copy in memory of its own (never shared: the page transfers it to its main thread).
    const pixels = new Uint8Array(new ArrayBuffer(out.pixels.length));
    pixels.set(out.pixels);
    const rendered = { ...out, pixels };
    const ms = performance.now() - started;
    this.adaptive.record(ms);
    return { rendered, quality, ms };
  }

  /** "What others will see": the node's turntable of neutral views of the avatar under `key` (enrollment/turntable.ts). */
  turntable(
    key: string,
    options: TurntableOptions,
    onView: (done: number, total: number) => void = () => {},
  ): Promise<Turntable> {
    const host = {
      cache: this.avatars,
      stage: this.stage,
      exclusiveRender: <T>(fn: () => Promise<T>) => this.turns.run(fn),
    };
    return renderTurntable(host, key, options, onView);
  }
}
