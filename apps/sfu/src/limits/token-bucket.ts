/**
 * A token bucket: `capacity` events at once, refilled at `ratePerSecond`. Used for signaling
 * requests per socket and driver frames per sender. The clock is injectable for tests.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly ratePerSecond: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(ratePerSecond: number, capacity: number, now: () => number = () => performance.now()) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) throw new RangeError('rate must be > 0 and capacity >= 1');
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.now = now;
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token if there is one; false means the caller is over its rate. */
  take(): boolean {
    const now = this.now();
    const elapsedS = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsedS * this.ratePerSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
