/**
 * Flow control of one connection's rendered frames (SetOutput.frameCredits): at most `limit`
 * frames sent and not yet answered `frame-received`. The node's own send buffer cannot see
 * frames that already sit in the kernel's socket buffers or the browser's, which is where a
 * page slower than the node at taking in quilts let them pile up (seconds of latency).
 *
 * A page that stops answering (a bug, a frozen tab) would starve itself for good, so credits
 * that have been exhausted for STALL_RESET_MS are given back and counted.
 */
export const STALL_RESET_MS = 5000;

export class FrameCredits {
  private limit: number | null = null;
  private inFlight = 0;
  private exhaustedSince: number | null = null;
  readonly counters = { stallResets: 0, unexpectedAcks: 0 };

  /** A new limit (null: no flow control); frames in flight are forgotten. */
  configure(limit: number | null): void {
    this.limit = limit;
    this.inFlight = 0;
    this.exhaustedSince = null;
  }

  get unanswered(): number {
    return this.inFlight;
  }

  /** Whether a frame may be rendered and sent now. */
  allows(now = performance.now()): boolean {
    if (this.limit === null || this.inFlight < this.limit) {
      this.exhaustedSince = null;
      return true;
    }
    this.exhaustedSince ??= now;
    if (now - this.exhaustedSince < STALL_RESET_MS) return false;
    this.counters.stallResets++;
    this.inFlight = 0;
    this.exhaustedSince = null;
    return true;
  }

  sent(): void {
    if (this.limit !== null) this.inFlight++;
  }

  /** `frames` answered; more answers than frames in flight are counted, not trusted. */
  received(frames = 1): void {
    if (frames > this.inFlight) this.counters.unexpectedAcks++;
    this.inFlight = Math.max(0, this.inFlight - frames);
  }
}
