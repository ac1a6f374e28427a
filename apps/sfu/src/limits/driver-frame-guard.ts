import {
  DRIVER_FRAME_BURST,
  HolocallError,
  MAX_DRIVER_FRAME_BYTES,
  MAX_DRIVER_FRAMES_PER_SECOND,
} from '@holocall/protocol';
import { TokenBucket } from './token-bucket';

export type DriverFrameVerdict = 'pass' | 'too_large' | 'rate_limited';

/** How often one sender is told about frames it lost to a limit. */
export const LIMIT_NOTICE_INTERVAL_MS = 1000;

export interface DriverFrameCounters {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  droppedTooLarge: number;
  droppedRateLimited: number;
}

/**
 * Checks each driver frame of one sender against the size and rate limits and counts
 * what it sees. Frames over a limit are dropped; nothing else about the sender changes.
 */
export class DriverFrameGuard {
  readonly counters: DriverFrameCounters = {
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    droppedTooLarge: 0,
    droppedRateLimited: 0,
  };
  private readonly bucket: TokenBucket;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly lastNotice: Record<'too_large' | 'rate_limited', number> = {
    too_large: Number.NEGATIVE_INFINITY,
    rate_limited: Number.NEGATIVE_INFINITY,
  };

  constructor(options: { maxBytes?: number; ratePerSecond?: number; burst?: number; now?: () => number } = {}) {
    this.now = options.now ?? (() => performance.now());
    this.maxBytes = options.maxBytes ?? MAX_DRIVER_FRAME_BYTES;
    this.bucket = new TokenBucket(
      options.ratePerSecond ?? MAX_DRIVER_FRAMES_PER_SECOND,
      options.burst ?? DRIVER_FRAME_BURST,
      this.now,
    );
  }

  check(bytes: number): DriverFrameVerdict {
    this.counters.messagesIn += 1;
    this.counters.bytesIn += bytes;
    if (bytes > this.maxBytes) {
      this.counters.droppedTooLarge += 1;
      return 'too_large';
    }
    // A frame refused for size does not spend rate: only frames that would be forwarded count.
    if (!this.bucket.take()) {
      this.counters.droppedRateLimited += 1;
      return 'rate_limited';
    }
    this.counters.messagesOut += 1;
    this.counters.bytesOut += bytes;
    return 'pass';
  }

  /**
   * The error to tell the sender about a dropped frame, at most once per interval per
   * kind of limit so a misbehaving sender cannot turn the SFU into a notification flood.
   */
  noticeFor(verdict: Exclude<DriverFrameVerdict, 'pass'>, bytes: number): HolocallError | undefined {
    const now = this.now();
    if (now - this.lastNotice[verdict] < LIMIT_NOTICE_INTERVAL_MS) return undefined;
    this.lastNotice[verdict] = now;
    if (verdict === 'too_large') return HolocallError.tooLarge('driver frame bytes', this.maxBytes, bytes);
    return new HolocallError('rate_limited', 'driver frames arrive faster than the allowed rate; frames were dropped', {
      details: { limitPerSecond: this.bucket.ratePerSecond, burst: this.bucket.capacity },
    });
  }
}
