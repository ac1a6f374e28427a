import { isSeqNewer } from '@holocall/protocol';

/**
 * Latest frame wins: each sender has one slot for the next frame to render. A frame that
 * arrives while the slot is full replaces the waiting one (that one is dropped, counted as
 * superseded); a frame not newer than the last one taken (late or duplicated on the wire) is
 * dropped as stale. Frames are never queued. One render runs at a time (the renderer uses
 * every core for it); senders with waiting frames take turns, so one busy sender cannot
 * starve the others.
 */
export interface SchedulerStats {
  received: number;
  rendered: number;
  droppedSuperseded: number;
  droppedStale: number;
  failed: number;
  /** Senders with a frame waiting now. */
  waiting: number;
}

interface Slot<T> {
  pending: { seq: number; item: T } | null;
  lastSeq: number | null;
}

export class LatestFrameScheduler<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private readonly turn: string[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  readonly counters = { received: 0, rendered: 0, droppedSuperseded: 0, droppedStale: 0, failed: 0 };

  constructor(
    private readonly render: (key: string, item: T) => Promise<void>,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  submit(key: string, seq: number, item: T): void {
    this.counters.received++;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { pending: null, lastSeq: null };
      this.slots.set(key, slot);
    }
    const newest = slot.pending?.seq ?? slot.lastSeq;
    if (newest !== null && !isSeqNewer(seq, newest)) {
      this.counters.droppedStale++;
      return;
    }
    if (slot.pending) this.counters.droppedSuperseded++;
    else this.turn.push(key);
    slot.pending = { seq, item };
    if (!this.running) void this.pump();
  }

  /** Forgets a sender (its waiting frame is dropped). */
  remove(key: string): void {
    const slot = this.slots.get(key);
    if (slot?.pending) this.counters.droppedSuperseded++;
    this.slots.delete(key);
    const i = this.turn.indexOf(key);
    if (i >= 0) this.turn.splice(i, 1);
  }

  stats(): SchedulerStats {
    return { ...this.counters, waiting: this.turn.length };
  }

  /** Resolves when nothing is rendering or waiting (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.turn.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const key = this.turn.shift();
        if (key === undefined) break;
        const slot = this.slots.get(key);
        const job = slot?.pending;
        if (!slot || !job) continue;
        slot.pending = null;
        slot.lastSeq = job.seq;
        try {
          await this.render(key, job.item);
          this.counters.rendered++;
        } catch (error) {
          this.counters.failed++;
          this.onError(key, error);
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
