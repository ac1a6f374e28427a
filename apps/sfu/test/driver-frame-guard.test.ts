import {
  DRIVER_FRAME_BURST,
  ErrorCode,
  MAX_DRIVER_FRAME_BYTES,
  MAX_DRIVER_FRAMES_PER_SECOND,
} from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { DriverFrameGuard, LIMIT_NOTICE_INTERVAL_MS } from '../src/limits/driver-frame-guard';

describe('DriverFrameGuard', () => {
  it('passes frames up to MAX_DRIVER_FRAME_BYTES and drops one byte more', () => {
    const guard = new DriverFrameGuard({ now: () => 0 });
    expect(guard.check(MAX_DRIVER_FRAME_BYTES)).toBe('pass');
    expect(guard.check(MAX_DRIVER_FRAME_BYTES + 1)).toBe('too_large');
    expect(guard.counters).toMatchObject({ messagesIn: 2, messagesOut: 1, droppedTooLarge: 1, droppedRateLimited: 0 });
  });

  it('drops frames beyond the burst until the rate refills them', () => {
    let now = 0;
    const guard = new DriverFrameGuard({ now: () => now });
    const verdicts = Array.from({ length: DRIVER_FRAME_BURST + 5 }, () => guard.check(64));
    expect(verdicts.filter((v) => v === 'pass')).toHaveLength(DRIVER_FRAME_BURST);
    expect(verdicts.filter((v) => v === 'rate_limited')).toHaveLength(5);
    now += 1000 / MAX_DRIVER_FRAMES_PER_SECOND;
    expect(guard.check(64)).toBe('pass');
  });

  it('a sender at 30 Hz is never limited', () => {
    let now = 0;
    const guard = new DriverFrameGuard({ now: () => now });
    for (let i = 0; i < 300; i += 1) {
      expect(guard.check(64)).toBe('pass');
      now += 1000 / 30;
    }
  });

  it('notices each kind of drop at most once per interval, with a typed error', () => {
    let now = 0;
    const guard = new DriverFrameGuard({ now: () => now });
    const first = guard.noticeFor('too_large', 5000);
    expect(first?.code).toBe(ErrorCode.TooLarge);
    expect(first?.details).toMatchObject({ limit: MAX_DRIVER_FRAME_BYTES, actual: 5000 });
    expect(guard.noticeFor('too_large', 5000)).toBeUndefined();
    expect(guard.noticeFor('rate_limited', 64)?.code).toBe(ErrorCode.RateLimited);
    now += LIMIT_NOTICE_INTERVAL_MS;
    expect(guard.noticeFor('too_large', 5000)).toBeDefined();
  });
});
