import { type DriverFrame, HolocallError, type ViewSpec } from '@holocall/protocol';
import { type BackendInfo, describeReenact } from './backends/backend-info';
import { REFERENCE_REENACT_NAME } from './backends/reference/reenact';
import { AvatarLifts } from './enrollment/avatar-lifts';
import { LiftWorker } from './enrollment/lift-worker-client';
import type { Logger } from './log';
import type { QualityLevel } from './render/quality';
import { camerasForView } from './render/view-cameras';
import { AvatarCache } from './senders/avatar-cache';
import { LatestFrameScheduler } from './senders/latest-frame-scheduler';
import type { ReenactBackend, RenderedFrame, RenderStage, SourceFace } from './stages/contract';
import type { Triplane } from './triplane/layout';
import { createSyntheticHead } from './triplane/synthetic-head';

/** What the node needs from a connection to render for it and deliver the result. */
export interface FrameSink {
  readonly id: number;
  /** The sender's avatar, view, output settings; null when the peer is not registered here. */
  senderSetup(peerId: string): { avatarHash: string; view: ViewSpec } | null;
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

/**
 * The inference node's core, independent of transport: the avatar cache, the enrollment lifts,
 * the reenact and render stages, and the latest-frame-wins scheduler shared by every connection.
 * Renders take turns (exclusiveRender): the scheduler's frames and enrollment previews never
 * run on the render stage at once.
 */
export class InferenceNode {
  readonly cache: AvatarCache;
  readonly scheduler: LatestFrameScheduler<FrameJob>;
  readonly lifts: AvatarLifts;
  /** How the UI names the expression model (the reference backend says it is classical, untrained). */
  readonly backend: BackendInfo;
  private syntheticHead: Triplane | null = null;
  private renderTurn: Promise<unknown> = Promise.resolve();
  readonly renderTimes = { frames: 0, lastMs: 0, emaMs: 0, maxMs: 0 };
  readonly droppedBackpressure = { count: 0 };
  readonly previews = { started: 0, completed: 0, failed: 0, lastMs: 0 };

  constructor(
    readonly stage: RenderStage,
    readonly reenact: ReenactBackend,
    cacheBytes: number,
    private readonly log: Logger,
    onEvict: (hash: string) => void = () => {},
  ) {
    this.cache = new AvatarCache(stage, cacheBytes, log, onEvict);
    this.backend = describeReenact(reenact);
    this.lifts = new AvatarLifts(this, new LiftWorker(log), reenact.name === REFERENCE_REENACT_NAME, log);
    this.scheduler = new LatestFrameScheduler<FrameJob>(
      (_key, job) => this.renderFrame(job),
      (key, error) => this.log.debug('frame failed', { key, error: String(error) }),
    );
  }

  /**
   * Registers (or replaces) an avatar's source tri-plane and face under its content hash.
   * The reference backend's lift calls this; peers then bind to it with register-sender
   * (source 'cache'). Returns the bytes the avatar holds.
   */
  async registerSender(avatarHash: string, source: { triplane: Triplane; sourceFace: SourceFace }): Promise<number> {
    const entry = await this.cache.put(avatarHash, source.triplane, source.sourceFace);
    this.log.info('avatar registered', { avatar: avatarHash.slice(0, 12), bytes: entry.bytes });
    return entry.bytes;
  }

  /** The built-in synthetic test head (a demo sender; built once, shared read-only). */
  syntheticTriplane(): Triplane {
    if (!this.syntheticHead) this.syntheticHead = createSyntheticHead();
    return this.syntheticHead;
  }

  /**
   * Runs `fn` once every render queued before it has finished: one render at a time uses every
   * core, and the CPU stage's output buffers are shared. Frames and preview views take turns.
   */
  exclusiveRender<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.renderTurn.then(fn, fn);
    this.renderTurn = run.catch(() => {});
    return run;
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
        const avatar = this.cache.get(setup.avatarHash);
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
    await this.renderTurn;
    this.cache.clear();
    await this.stage.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
