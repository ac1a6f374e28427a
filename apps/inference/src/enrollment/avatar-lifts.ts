import { avatarContentHash, checkEnrollmentImage, type LiftStageName, refuseEnrollment } from '@holocall/protocol';
import type { Logger } from '../log';
import type { AvatarCache } from '../senders/avatar-cache';
import type { SourceFace } from '../stages/contract';
import type { Triplane } from '../triplane/layout';
import { landmarksForImage } from './enrollment-landmarks';
import type { LiftJobInput, LiftJobStage } from './lift-job';
import type { LiftWorker } from './lift-worker-client';

/** Progress of one lift: `fraction` is of the whole (0..1) and never goes back. */
export type LiftProgressListener = (stage: LiftStageName, fraction: number) => void;

export interface LiftOutcome {
  /** True for the call that ran the lift; false for a cache hit or a call that joined a running lift. */
  lifted: boolean;
  /** ms the lift took in the worker (0 for a cache hit). */
  liftMs: number;
}

/** Where each stage of a lift starts in the overall fraction (measured shares on this machine). */
const STAGE_SPAN: Record<LiftJobStage | 'prepare', [number, number]> = {
  decode: [0.02, 0.1],
  align: [0.1, 0.15],
  lift: [0.15, 0.9],
  prepare: [0.9, 0.99],
};

/** What the lifts need of the node. */
export interface LiftHost {
  readonly cache: AvatarCache;
  registerSender(avatarHash: string, source: { triplane: Triplane; sourceFace: SourceFace }): Promise<number>;
}

interface InFlight {
  promise: Promise<LiftOutcome>;
  listeners: Set<LiftProgressListener>;
  last: { stage: LiftStageName; fraction: number };
}

/**
 * The key a lift is cached under: the avatar content hash of what it lifts (avatar-hash.ts),
 * computed here from the image bytes, the landmarks and their space. A declared hash that is
 * not it is refused (avatar_hash_mismatch), so no page can bind a face to a hash it chose.
 */
export async function liftKey(declaredHash: string, input: LiftJobInput): Promise<string> {
  const hash = await avatarContentHash(input);
  if (hash !== declaredHash) {
    throw refuseEnrollment(
      'avatar_hash_mismatch',
      'the image and landmarks sent are not the avatar they name: their content hash differs',
      { declared: declaredHash.slice(0, 12), computed: hash.slice(0, 12) },
    );
  }
  return hash;
}

/**
 * Lifts enrolled faces into the node's avatar cache, once per avatar content hash: a hash that
 * is cached (and, with the reference reenact stage, carries its reference model) is a cache hit;
 * a second request for a hash whose lift is running joins it (and its progress) instead of
 * lifting again. Header and landmark checks run here first, so bad input is refused at once
 * with a typed error; the lift itself runs in the lift worker thread. After the worker, the
 * tri-plane is prepared for the render stage (packing + occupancy grid, ~50 ms on this thread).
 */
export class AvatarLifts {
  private readonly inFlight = new Map<string, InFlight>();
  readonly counters = {
    requested: 0,
    lifted: 0,
    cacheHits: 0,
    joined: 0,
    failed: 0,
    /** Envelopes whose content did not hash to the avatar they named. */
    refused: 0,
    lastMs: 0,
    maxMs: 0,
  };

  constructor(
    private readonly host: LiftHost,
    private readonly worker: LiftWorker,
    /** With the reference reenact stage, a cached tri-plane counts only if the reference lift made it. */
    private readonly needsReferenceModel: boolean,
    private readonly log: Logger,
  ) {}

  /** True when `hash` can render right away (no lift needed). */
  isReady(hash: string): boolean {
    const entry = this.host.cache.peek(hash);
    if (!entry) return false;
    return !this.needsReferenceModel || entry.sourceFace.reference !== undefined;
  }

  /** isReady, counted as a request served from the cache when true (registrations and previews that need no image). */
  tryCached(hash: string): boolean {
    if (!this.isReady(hash)) return false;
    this.counters.requested++;
    this.counters.cacheHits++;
    return true;
  }

  isLifting(hash: string): boolean {
    return this.inFlight.has(hash);
  }

  /**
   * Makes `declaredHash` ready from an enrolled face, which must be the content it names
   * (liftKey). Throws (rejects) HolocallError for bad input (unsupported_media, too_large,
   * bad_request, avatar_hash_mismatch among them) or a failed lift.
   */
  async lift(declaredHash: string, input: LiftJobInput, onProgress: LiftProgressListener): Promise<LiftOutcome> {
    this.counters.requested++;
    let hash: string;
    try {
      hash = await liftKey(declaredHash, input);
    } catch (error) {
      this.counters.refused++;
      throw error;
    }
    if (this.isReady(hash)) {
      this.counters.cacheHits++;
      onProgress('done', 1);
      return { lifted: false, liftMs: 0 };
    }
    const running = this.inFlight.get(hash);
    if (running) {
      this.counters.joined++;
      running.listeners.add(onProgress);
      onProgress(running.last.stage, running.last.fraction);
      const outcome = await running.promise.finally(() => running.listeners.delete(onProgress));
      return { lifted: false, liftMs: outcome.liftMs };
    }
    // Cheap checks here, so bad input never waits behind another lift.
    const { displayWidth: width, displayHeight: height } = checkEnrollmentImage(input.image);
    landmarksForImage(input.landmarks, input.landmarkSpace, { width, height });
    const flight: InFlight = {
      promise: Promise.resolve({ lifted: true, liftMs: 0 }),
      listeners: new Set([onProgress]),
      last: { stage: 'queued', fraction: 0 },
    };
    const emit = (stage: LiftStageName, fraction: number) => {
      if (fraction < flight.last.fraction) return;
      flight.last = { stage, fraction };
      for (const l of flight.listeners) l(stage, fraction);
    };
    flight.promise = this.run(hash, input, emit);
    this.inFlight.set(hash, flight);
    emit('queued', 0);
    try {
      return await flight.promise;
    } finally {
      this.inFlight.delete(hash);
    }
  }

  private async run(
    hash: string,
    input: LiftJobInput,
    emit: (stage: LiftStageName, fraction: number) => void,
  ): Promise<LiftOutcome> {
    const started = performance.now();
    try {
      const out = await this.worker.run(input, (stage, f) => {
        const [a, b] = STAGE_SPAN[stage];
        emit(stage, a + (b - a) * Math.min(1, Math.max(0, f)));
      });
      emit('prepare', STAGE_SPAN.prepare[0]);
      await this.host.registerSender(hash, { triplane: out.triplane, sourceFace: out.sourceFace });
      const liftMs = out.ms.total;
      this.counters.lifted++;
      this.counters.lastMs = Math.round(liftMs);
      this.counters.maxMs = Math.max(this.counters.maxMs, Math.round(liftMs));
      this.log.info('avatar lifted', {
        avatar: hash.slice(0, 12),
        ms: Math.round(liftMs),
        decodeMs: Math.round(out.ms.decode),
        alignMs: Math.round(out.ms.align),
        liftMs: Math.round(out.ms.lift),
        wallMs: Math.round(performance.now() - started),
      });
      emit('done', 1);
      return { lifted: true, liftMs };
    } catch (error) {
      this.counters.failed++;
      throw error;
    }
  }

  /** Starts the lift worker ahead of the first enrollment. */
  warm(): void {
    this.worker.warm();
  }

  stats(): Record<string, unknown> {
    return {
      ...this.counters,
      inFlight: this.inFlight.size,
      waiting: this.worker.waiting,
      worker: { ...this.worker.counters },
    };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
