import { Worker } from 'node:worker_threads';
import { type ErrorCode, HolocallError, isErrorCode } from '@holocall/protocol';
import type { Logger } from '../log';
import type { LiftJobInput, LiftJobOutput, LiftJobProgress } from './lift-job';
import type { LiftWorkerReply, LiftWorkerRequest } from './lift-worker';

/**
 * How long one lift job may run in the worker thread (from the moment it is handed over) before
 * the thread is terminated and replaced: a 25 MP photo decodes, aligns and lifts in about 5 s
 * here; a job past this is stuck (a decoder bug, an input nobody thought of) and would hold up
 * every lift behind it.
 */
export const LIFT_JOB_DEADLINE_MS = 30_000;

interface Job {
  jobId: number;
  /** A lift, or (tests only) a job that never ends. */
  kind: 'lift' | 'hang';
  deadlineMs: number;
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
 * job with `unavailable` and is replaced on the next lift. A job still running after its
 * deadline (LIFT_JOB_DEADLINE_MS) fails with `timeout`, its thread is terminated, and the next
 * job runs on a new one.
 */
export class LiftWorker {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private nextJobId = 1;
  private closed = false;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  readonly counters = { spawns: 0, crashes: 0, timeouts: 0, jobs: 0, queuedMax: 0 };
  private readonly deadlineMs: number;

  constructor(
    private readonly log: Logger,
    options: { deadlineMs?: number } = {},
  ) {
    this.deadlineMs = options.deadlineMs ?? LIFT_JOB_DEADLINE_MS;
  }

  run(input: LiftJobInput, progress: LiftJobProgress): Promise<LiftJobOutput> {
    if (this.closed) return Promise.reject(new HolocallError('unavailable', 'the inference node is shutting down'));
    // Own copies, taken now: the caller's bytes may be a view into a socket buffer, and the
    // copies' buffers are handed to the worker without another copy.
    const owned = { ...input, image: input.image.slice(), landmarks: input.landmarks.slice() };
    return this.enqueue('lift', this.deadlineMs, owned, progress);
  }

  /** Test hook: queues a job that spins the thread forever, with its own deadline. */
  hangForTest(deadlineMs: number): Promise<LiftJobOutput> {
    const empty = { image: new Uint8Array(0), landmarks: new Float32Array(0), landmarkSpace: { width: 1, height: 1 } };
    return this.enqueue('hang', deadlineMs, empty, () => {});
  }

  private enqueue(
    kind: Job['kind'],
    deadlineMs: number,
    input: LiftJobInput,
    progress: LiftJobProgress,
  ): Promise<LiftJobOutput> {
    if (this.closed) return Promise.reject(new HolocallError('unavailable', 'the inference node is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ jobId: this.nextJobId++, kind, deadlineMs, input, progress, resolve, reject });
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
    if (this.current !== job) return; // closed while the thread started
    this.counters.jobs++;
    this.deadline = setTimeout(() => this.expire(job, worker), job.deadlineMs);
    if (job.kind === 'hang') {
      worker.postMessage({ type: 'hang', jobId: job.jobId } satisfies LiftWorkerRequest);
      return;
    }
    const message: LiftWorkerRequest = { type: 'lift', jobId: job.jobId, input: job.input };
    // slice() in run() made plain ArrayBuffers.
    worker.postMessage(message, [job.input.image.buffer as ArrayBuffer, job.input.landmarks.buffer as ArrayBuffer]);
  }

  /** The job ran past its deadline: fail it, drop its thread (terminated, not awaited) and go on with a new one. */
  private expire(job: Job, worker: Worker): void {
    if (this.current !== job) return;
    this.counters.timeouts++;
    this.log.warn('lift job ran past its deadline; its worker thread is replaced', {
      job: job.jobId,
      deadlineMs: job.deadlineMs,
    });
    if (this.worker === worker) this.worker = null;
    void worker.terminate();
    this.settle(job, () =>
      job.reject(
        new HolocallError('timeout', `the lift took longer than ${job.deadlineMs} ms: try again`, {
          details: { deadlineMs: job.deadlineMs },
        }),
      ),
    );
  }

  private settle(job: Job, fn: () => void): void {
    if (this.current === job) {
      this.current = null;
      if (this.deadline) clearTimeout(this.deadline);
      this.deadline = null;
    }
    fn();
    void this.pump();
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    const starting = new Promise<Worker>((resolve, reject) => {
      const w = new Worker(new URL('./lift-worker-entry.mjs', import.meta.url));
      this.counters.spawns++;
      let online = false;
      w.once('online', () => {
        online = true;
        this.worker = w;
        if (this.starting === starting) this.starting = null;
        resolve(w);
      });
      w.on('message', (reply: LiftWorkerReply) => {
        if (this.worker === w) this.onReply(reply);
      });
      w.on('error', (error) => this.log.error('lift worker error', { error: error.message }));
      w.on('exit', (code) => {
        if (!online) {
          if (this.starting === starting) this.starting = null;
          reject(new HolocallError('unavailable', 'the lift worker did not start'));
          return;
        }
        // A thread replaced after a deadline (or stopped by close()) is not this.worker: its job is settled already.
        if (this.worker !== w) return;
        this.worker = null;
        if (this.closed) return;
        this.counters.crashes++;
        this.log.warn('lift worker exited; the next lift starts a new one', { code });
        const job = this.current;
        if (job)
          this.settle(job, () => job.reject(new HolocallError('unavailable', 'the lift worker stopped: try again')));
      });
    });
    this.starting = starting;
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
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    current?.reject(stopped);
    const w = this.worker ?? (this.starting ? await this.starting.catch(() => null) : null);
    this.worker = null;
    if (w) await w.terminate();
  }
}
