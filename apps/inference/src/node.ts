import {
  type DriverFrame,
  HolocallError,
  refuseEnrollment,
  TRIPLANE_UPLOAD_SHAPE,
  triplaneContentHash,
  type ViewSpec,
} from '@holocall/protocol';
import { AvatarLifts, type LiftOutcome, type LiftProgressListener } from './enrollment/avatar-lifts';
import type { LiftJobInput } from './enrollment/lift-job';
import { LiftWorker } from './enrollment/lift-worker-client';
import { PREVIEW_LIFT_SHARE, renderTurntable, type Turntable, type TurntableOptions } from './enrollment/turntable';
import type { Logger } from './log';
import type { QualityLevel } from './render/quality';
import { RenderTurns } from './render/render-turns';
import { camerasForView } from './render/view-cameras';
import { AvatarCache } from './senders/avatar-cache';
import { LatestFrameScheduler } from './senders/latest-frame-scheduler';
import type { BackendInfo, ReenactBackend, RenderedFrame, RenderStage, SourceFace } from './stages/contract';
import type { Triplane } from './triplane/layout';
import { createSyntheticHead } from './triplane/synthetic-head';

/** What the node needs from a connection to render for it and deliver the result. */
export interface FrameSink {
  readonly id: number;
  /** The cache key of the sender's avatar and its view; null when the peer is not registered here. */
  senderSetup(peerId: string): { cacheKey: string; view: ViewSpec } | null;
  quality(): QualityLevel;
  /** False when the socket cannot take more now (the frame is dropped before rendering). */
  canSend(): boolean;
  /** `view` is the view the frame was rendered for (it may have changed since). */
  deliver(
    peerId: string,
    frame: DriverFrame,
    rendered: RenderedFrame,
    view: ViewSpec,
    quality: QualityLevel,
    ms: number,
  ): void;
  fail(peerId: string, error: unknown): void;
  recordFrameTime(ms: number): void;
}

interface FrameJob {
  sink: FrameSink;
  peerId: string;
  frame: DriverFrame;
}

/** What the node says about itself in a welcome (the API adds its own thread count). */
export interface NodeDescription {
  renderer: string;
  executionProvider: string;
  reenact: string;
  /** True when any stage runs generated (untrained) weights. */
  untrained: boolean;
  backend: BackendInfo;
}

/** Stages of a preview's progress: the lift's (when it lifts), then one 'render' step per view. */
export type PreviewStage = 'queued' | 'decode' | 'align' | 'lift' | 'prepare' | 'render' | 'done';

export interface AvatarPreview {
  turntable: Turntable;
  /** True when this preview ran the lift. */
  lifted: boolean;
  liftMs: number;
}

/**
 * The cache key of the built-in synthetic head. Not lowercase hex, so no avatar hash a page
 * declares (AvatarHash) can name it, and the synthetic head is never cached under one.
 */
export const SYNTHETIC_HEAD_KEY = 'synthetic-head';

/**
 * The inference node's core, independent of transport: the avatar cache, the enrollment lifts,
 * the reenact and render stages, and the latest-frame-wins scheduler shared by every connection.
 * Renders take turns (exclusiveRender): the scheduler's frames and enrollment previews never
 * run on the render stage at once.
 *
 * The API layer (src/api/) uses only the public methods below: describe, register an avatar
 * (from the cache, the synthetic head, an upload, an enrollment lift), preview, frames, stats.
 */
export class InferenceNode {
  private readonly cache: AvatarCache;
  private readonly scheduler: LatestFrameScheduler<FrameJob>;
  private readonly lifts: AvatarLifts;
  /** How the UI names the expression model (the reference backend says it is classical, untrained). */
  private readonly backend: BackendInfo;
  private syntheticHead: Triplane | null = null;
  private readonly renderTurns = new RenderTurns();
  private readonly renderTimes = { frames: 0, lastMs: 0, emaMs: 0, maxMs: 0 };
  private readonly droppedBackpressure = { count: 0 };
  private readonly previews = { started: 0, completed: 0, failed: 0, lastMs: 0 };

  constructor(
    private readonly stage: RenderStage,
    private readonly reenact: ReenactBackend,
    cacheBytes: number,
    private readonly log: Logger,
    onEvict: (hash: string) => void = () => {},
  ) {
    this.cache = new AvatarCache(stage, cacheBytes, log, onEvict);
    this.backend = reenact.info;
    this.lifts = new AvatarLifts(
      { cache: this.cache, registerSender: (hash, source) => this.registerSender(hash, source) },
      new LiftWorker(log),
      reenact.needsReferenceModel,
      log,
    );
    this.scheduler = new LatestFrameScheduler<FrameJob>(
      (_key, job) => this.renderFrame(job),
      (key, error) => this.log.debug('frame failed', { key, error: String(error) }),
    );
  }

  /** Names the stages and the expression model (for a welcome). */
  describe(): NodeDescription {
    return {
      renderer: this.stage.name,
      executionProvider: this.stage.executionProvider,
      reenact: this.reenact.name,
      untrained: this.stage.untrained || this.reenact.untrained,
      backend: { ...this.backend },
    };
  }

  /**
   * True when a tri-plane is cached under `avatarHash` (register-sender source 'cache'). Every
   * entry's key is the content hash of what made it (a lift's avatarContentHash, an upload's
   * triplaneContentHash), so a hit is always the content the hash names.
   */
  hasAvatar(avatarHash: string): boolean {
    return this.cache.has(avatarHash);
  }

  /**
   * True when `avatarHash` is lifted here and can render without an image (with the reference
   * reenact stage: lifted by the reference lift); counted as a lift served from the cache.
   */
  registerFromCache(avatarHash: string): boolean {
    return this.lifts.tryCached(avatarHash);
  }

  /**
   * Caches the built-in synthetic head under SYNTHETIC_HEAD_KEY (never under a page's hash);
   * true when it was cached already. A peer shown as the synthetic head renders that key.
   */
  async registerSyntheticHead(): Promise<boolean> {
    if (this.cache.has(SYNTHETIC_HEAD_KEY)) return true;
    await this.registerSender(SYNTHETIC_HEAD_KEY, { triplane: this.syntheticTriplane(), sourceFace: {} });
    return false;
  }

  /**
   * Registers an uploaded tri-plane (TRIPLANE_UPLOAD_SHAPE) under `avatarHash`, which must be
   * its triplaneContentHash (else avatar_hash_mismatch); returns the bytes it holds.
   */
  async registerUpload(avatarHash: string, data: Float32Array): Promise<number> {
    const hash = await triplaneContentHash(data);
    if (hash !== avatarHash) {
      throw refuseEnrollment('avatar_hash_mismatch', 'the tri-plane sent is not the one its avatar hash names', {
        declared: avatarHash.slice(0, 12),
        computed: hash.slice(0, 12),
      });
    }
    const [, channels, resolution] = TRIPLANE_UPLOAD_SHAPE;
    return this.registerSender(hash, { triplane: { resolution, channels, data }, sourceFace: {} });
  }

  /**
   * Lifts an enrolled face into the cache once per hash (a running lift is joined, a cached one
   * a hit). The face is cached under its own content hash; one that does not hash to
   * `avatarHash` is refused (avatar_hash_mismatch) before anything else.
   */
  registerEnrollment(avatarHash: string, input: LiftJobInput, onProgress: LiftProgressListener): Promise<LiftOutcome> {
    return this.lifts.lift(avatarHash, input, onProgress);
  }

  /**
   * "What others will see": lifts the enrolled face first when `input` is given (cached under
   * the hash like a registration), then renders a neutral turntable between live frames.
   * `onProgress` gets the lift's stages (scaled to the first PREVIEW_LIFT_SHARE), then 'render'.
   */
  async previewAvatar(
    avatarHash: string,
    input: LiftJobInput | null,
    options: TurntableOptions,
    onProgress: (stage: PreviewStage, fraction: number) => void,
  ): Promise<AvatarPreview> {
    const progress = (stage: PreviewStage, fraction: number) => onProgress(stage, Math.min(1, Math.max(0, fraction)));
    this.previews.started++;
    try {
      let lifted = false;
      let liftMs = 0;
      let renderFrom = 0;
      if (input) {
        const outcome = await this.lifts.lift(avatarHash, input, (stage, f) => {
          if (stage !== 'done') progress(stage, f * PREVIEW_LIFT_SHARE);
        });
        lifted = outcome.lifted;
        liftMs = outcome.liftMs;
        renderFrom = PREVIEW_LIFT_SHARE;
      }
      progress('render', renderFrom);
      const turntable = await renderTurntable(
        { cache: this.cache, stage: this.stage, exclusiveRender: (fn) => this.exclusiveRender(fn) },
        avatarHash,
        options,
        (done, total) => progress('render', renderFrom + ((1 - renderFrom) * done) / total),
      );
      this.previews.completed++;
      this.previews.lastMs = Math.round(turntable.ms + liftMs);
      return { turntable, lifted, liftMs };
    } catch (error) {
      this.previews.failed++;
      throw error;
    }
  }

  /** Starts the lift worker ahead of the first enrollment. */
  warmLifts(): void {
    this.lifts.warm();
  }

  /** Resolves when no driver frame is waiting or rendering. */
  framesIdle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Registers (or replaces) an avatar's source tri-plane and face under its cache key; returns its bytes. */
  private async registerSender(
    avatarHash: string,
    source: { triplane: Triplane; sourceFace: SourceFace },
  ): Promise<number> {
    const entry = await this.cache.put(avatarHash, source.triplane, source.sourceFace);
    this.log.info('avatar registered', { avatar: avatarHash.slice(0, 12), bytes: entry.bytes });
    return entry.bytes;
  }

  /** The built-in synthetic test head (a demo sender; built once, shared read-only). */
  private syntheticTriplane(): Triplane {
    if (!this.syntheticHead) this.syntheticHead = createSyntheticHead();
    return this.syntheticHead;
  }

  /**
   * Runs `fn` once every render queued before it has finished: one render at a time uses every
   * core, and the CPU stage's output buffers are shared. Frames and preview views take turns.
   */
  private exclusiveRender<T>(fn: () => Promise<T>): Promise<T> {
    return this.renderTurns.run(fn);
  }

  submitFrame(sink: FrameSink, peerId: string, frame: DriverFrame): void {
    this.scheduler.submit(`${sink.id}/${peerId}`, frame.seq, { sink, peerId, frame });
  }

  forgetPeer(sink: FrameSink, peerId: string): void {
    this.scheduler.remove(`${sink.id}/${peerId}`);
  }

  private async renderFrame(job: FrameJob): Promise<void> {
    const { sink, peerId, frame } = job;
    const setup = sink.senderSetup(peerId);
    if (!setup) return;
    if (!sink.canSend()) {
      this.droppedBackpressure.count++;
      return;
    }
    try {
      await this.exclusiveRender(async () => {
        const started = performance.now();
        const avatar = this.cache.get(setup.cacheKey);
        if (!avatar)
          throw new HolocallError('not_found', 'avatar is not cached: register the sender again', {
            details: { peerId },
          });
        const residual = await this.reenact.residual({
          source: avatar.triplane,
          sourceFace: avatar.sourceFace,
          driver: frame.expression,
        });
        // The camera follows the sender's head pose (flat views); quilts centre their cone on it.
        const views = camerasForView(setup.view, frame.pose);
        const quality = sink.quality();
        const rendered = await this.stage.render(avatar.prepared, residual, { ...views, quality });
        sink.deliver(peerId, frame, rendered, setup.view, quality, performance.now() - started);
        // Frame time including encoding and sending: what the adaptive quality level must fit.
        const ms = performance.now() - started;
        this.noteTime(ms);
        sink.recordFrameTime(ms);
      });
    } catch (error) {
      sink.fail(peerId, error);
      throw error;
    }
  }

  private noteTime(ms: number): void {
    const t = this.renderTimes;
    t.frames++;
    t.lastMs = ms;
    t.emaMs = t.frames === 1 ? ms : 0.9 * t.emaMs + 0.1 * ms;
    t.maxMs = Math.max(t.maxMs, ms);
  }

  stats(): Record<string, unknown> {
    return {
      renderer: this.stage.name,
      executionProvider: this.stage.executionProvider,
      reenact: this.reenact.name,
      backend: this.backend,
      untrained: this.stage.untrained || this.reenact.untrained,
      cache: this.cache.stats(),
      lifts: this.lifts.stats(),
      previews: { ...this.previews },
      ...(this.stage.stats ? { renderStage: this.stage.stats() } : {}),
      ...('counters' in this.reenact ? { reenactCounters: this.reenact.counters } : {}),
      frames: { ...this.scheduler.stats(), droppedBackpressure: this.droppedBackpressure.count },
      renderMs: {
        last: round(this.renderTimes.lastMs),
        ema: round(this.renderTimes.emaMs),
        max: round(this.renderTimes.maxMs),
      },
      memory: { rss: process.memoryUsage.rss() },
    };
  }

  async close(): Promise<void> {
    await this.lifts.close();
    await this.scheduler.idle();
    await this.renderTurns.idle();
    this.cache.clear();
    await this.stage.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
