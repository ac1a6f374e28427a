/**
 * The one retry policy (after LiveKit's ReconnectPolicy): a table of delays, jittered, and a
 * point where it gives up. `nextDelay(attempt)` is pure: attempt 0 is the first retry, and
 * `null` means stop trying. `attempts()` keeps the count for a caller that retries one thing
 * at a time and starts over after a success (`reset()`).
 *
 * Browser-safe: no Node imports (the web client bundles it).
 */
export interface RetryPolicyOptions {
  /** Base delays in ms, one per attempt; the last repeats until `maxAttempts`. */
  delaysMs: readonly number[];
  /**
   * Jitter as a fraction of the base delay, added on top: a delay is drawn from
   * [base, base * (1 + jitter)). Spreads clients that lost the same server apart. 0 = none.
   */
  jitter?: number;
  /** Retries before giving up; Infinity (the default) never gives up. */
  maxAttempts?: number;
  /** A number in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export class RetryPolicy {
  readonly delaysMs: readonly number[];
  readonly jitter: number;
  readonly maxAttempts: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions) {
    const { delaysMs, jitter = 0, maxAttempts = Number.POSITIVE_INFINITY, random = Math.random } = options;
    if (delaysMs.length === 0 || delaysMs.some((d) => !Number.isFinite(d) || d < 0)) {
      throw new RangeError('a retry policy needs one or more delays, each finite and not negative');
    }
    if (!(jitter >= 0 && Number.isFinite(jitter))) throw new RangeError('jitter must be a finite fraction >= 0');
    if (!(maxAttempts >= 0)) throw new RangeError('maxAttempts must be >= 0');
    this.delaysMs = [...delaysMs];
    this.jitter = jitter;
    this.maxAttempts = maxAttempts;
    this.random = random;
  }

  /** The delay before retry number `attempt` (0-based), or null: give up. */
  nextDelay(attempt: number): number | null {
    if (!(attempt >= 0) || attempt >= this.maxAttempts) return null;
    const base = this.delaysMs[Math.min(Math.floor(attempt), this.delaysMs.length - 1)] as number;
    return Math.round(base + base * this.jitter * this.random());
  }

  /** A counter over this policy: `next()` gives each retry's delay in turn, `reset()` starts over. */
  attempts(): RetryAttempts {
    return new RetryAttempts(this);
  }
}

export class RetryAttempts {
  private retries = 0;

  constructor(readonly policy: RetryPolicy) {}

  /** Retries handed out since the last reset. */
  get count(): number {
    return this.retries;
  }

  /** The delay before the next retry (and counts it), or null: give up. */
  next(): number | null {
    const delay = this.policy.nextDelay(this.retries);
    if (delay !== null) this.retries++;
    return delay;
  }

  /** After a success: the next failure starts from the first delay again. */
  reset(): void {
    this.retries = 0;
  }
}

/**
 * Browsers reconnecting to a service (the SFU's signaling socket, the local inference node):
 * 0.5, 1, 2, then 5 s, each up to half again longer, never giving up (the page says it is
 * reconnecting meanwhile).
 */
export const RECONNECT_POLICY = new RetryPolicy({ delaysMs: [500, 1000, 2000, 5000], jitter: 0.5 });
