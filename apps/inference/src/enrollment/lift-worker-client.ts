import { Worker } from 'node:worker_threads';
import { type ErrorCode, HolocallError, isErrorCode } from '@holocall/protocol';
import type { Logger } from '../log';
import type { LiftJobInput, LiftJobOutput, LiftJobProgress } from './lift-job';
import type { LiftWorkerReply, LiftWorkerRequest } from './lift-worker';

interface Job {
  jobId: number;
  input: LiftJobInput;
  progress: LiftJobProgress;
  resolve: (out: LiftJobOutput) => void;
  reject: (error: unknown) => void;
}

/**
 * The lift worker thread, seen from the node's main thread. Lifting is ~0.5 to 1.5 s of
 * synchronous CPU work; in a worker it never stalls the event loop, so other peers' frames keep
 * rendering and progress messages go out while it runs. The thread starts on warm() (the node
 * calls it at start-up) or the first lift, and stays; jobs run one at a time in arrival order (a
 * second concurrent lift would only compete for the same cores). A worker that dies fails its
 * job with `unavailable` and is replaced on the next lift.
 */
export class LiftWorker {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private nextJobId = 1;
  private closed = false;
  readonly counters = { spawns: 0, crashes: 0, jobs: 0, queuedMax: 0 };

  constructor(private readonly log: Logger) {}

  run(input: LiftJobInput, progress: LiftJobProgress): Promise<LiftJobOutput> {
    if (this.closed) return Promise.reject(new HolocallError('unavailable', 'the inference node is shutting down'));
    // Own copies, taken now: the caller's bytes may be a view into a socket buffer, and the
    // copies' buffers are handed to the worker without another copy.
    const owned = { ...input, image: input.image.slice(), landmarks: input.landmarks.slice() };
    return new Promise((resolve, reject) => {
      this.queue.push({ jobId: this.nextJobId++, input: owned, progress, resolve, reject });
      this.counters.queuedMax = Math.max(this.counters.queuedMax, this.queue.length);
      void this.pump();
    });
  }

  /** Starts the thread now (module loading takes ~0.3 to 1 s) so the first lift does not wait for it. */
  warm(): void {
    if (this.closed) return;
    this.ensureWorker().catch((error: unknown) => this.log.warn('lift worker did not start', { error: String(error) }));
  }

  /** Jobs waiting behind the one that runs. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Test hook: kills the worker thread (mid-job when a job runs), as a crash would. */
  crashForTest(): void {
    void this.worker?.terminate();
  }

  private async pump(): Promise<void> {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift() as Job;
    this.current = job;
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (error) {
      this.settle(job, () => job.reject(error));
      return;
    }
    this.counters.jobs++;
    const message: LiftWorkerRequest = { type: 'lift', jobId: job.jobId, input: job.input };
    // slice() in run() made plain ArrayBuffers.
    worker.postMessage(message, [job.input.image.buffer as ArrayBuffer, job.input.landmarks.buffer as ArrayBuffer]);
  }

  private settle(job: Job, fn: () => void): void {
    if (this.current === job) this.current = null;
    fn();
    void this.pump();
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    this.starting = new Promise<Worker>((resolve, reject) => {
      const w = new Worker(new URL('./lift-worker-entry.mjs', import.meta.url));
      this.counters.spawns++;
      w.once('online', () => {
        this.worker = w;
        this.starting = null;
        resolve(w);
      });
      w.on('message', (reply: LiftWorkerReply) => this.onReply(reply));
      w.on('error', (error) => this.log.error('lift worker error', { error: error.message }));
      w.on('exit', (code) => {
        const wasCurrent = this.worker === w;
        if (this.worker === w) this.worker = null;
        if (this.starting && !wasCurrent) {
          this.starting = null;
          reject(new HolocallError('unavailable', 'the lift worker did not start'));
        }
        if (this.closed) return;
        this.counters.crashes++;
        this.log.warn('lift worker exited; the next lift starts a new one', { code });
        const job = this.current;
        if (job)
          this.settle(job, () => job.reject(new HolocallError('unavailable', 'the lift worker stopped: try again')));
      });
    });
    return this.starting;
  }

  private onReply(reply: LiftWorkerReply): void {
    const job = this.current;
    if (!job || job.jobId !== reply.jobId) return;
    switch (reply.type) {
      case 'progress':
        job.progress(reply.stage, reply.fraction);
        return;
      case 'done':
        this.settle(job, () => job.resolve(reply.result));
        return;
      case 'failed': {
        const { code, message, details, typed } = reply.error;
        // Typed errors pass through as they were; anything else stays opaque (internal) on the wire.
        const error =
          typed && isErrorCode(code)
            ? new HolocallError(code as ErrorCode, message, details ? { details } : undefined)
            : new Error(`lift failed: ${message}`);
        this.settle(job, () => job.reject(error));
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new HolocallError('unavailable', 'the inference node is shutting down');
    for (const job of this.queue.splice(0)) job.reject(stopped);
    const current = this.current;
    this.current = null;
    current?.reject(stopped);
    const w = this.worker ?? (this.starting ? await this.starting.catch(() => null) : null);
    this.worker = null;
    if (w) await w.terminate();
  }
}
