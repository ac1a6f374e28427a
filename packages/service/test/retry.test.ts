import { describe, expect, it } from 'vitest';
import { RECONNECT_POLICY, RetryPolicy } from '../src/retry';

describe('retry policy', () => {
  it('walks the delay table and repeats the last delay', () => {
    const policy = new RetryPolicy({ delaysMs: [100, 200, 400] });
    expect([0, 1, 2, 3, 10, 1000].map((n) => policy.nextDelay(n))).toEqual([100, 200, 400, 400, 400, 400]);
  });

  it('jitters within [base, base * (1 + jitter)]', () => {
    const low = new RetryPolicy({ delaysMs: [1000], jitter: 0.5, random: () => 0 });
    const high = new RetryPolicy({ delaysMs: [1000], jitter: 0.5, random: () => 0.999999 });
    expect(low.nextDelay(0)).toBe(1000);
    expect(high.nextDelay(0)).toBe(1500);
    for (let attempt = 0; attempt < 200; attempt++) {
      const delay = RECONNECT_POLICY.nextDelay(attempt) as number;
      const base = RECONNECT_POLICY.delaysMs[Math.min(attempt, RECONNECT_POLICY.delaysMs.length - 1)] as number;
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base * 1.5);
    }
  });

  it('spreads delays out (jitter is not a constant)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => RECONNECT_POLICY.nextDelay(3)));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('gives up after maxAttempts, and never with the default', () => {
    const policy = new RetryPolicy({ delaysMs: [0], maxAttempts: 5 });
    expect([0, 1, 2, 3, 4].map((n) => policy.nextDelay(n))).toEqual([0, 0, 0, 0, 0]);
    expect(policy.nextDelay(5)).toBeNull();
    expect(policy.nextDelay(6)).toBeNull();
    expect(new RetryPolicy({ delaysMs: [0], maxAttempts: 0 }).nextDelay(0)).toBeNull();
    expect(RECONNECT_POLICY.nextDelay(1e9)).not.toBeNull();
    expect(policy.nextDelay(-1)).toBeNull();
  });

  it('counts attempts, gives up, and starts over after reset', () => {
    const attempts = new RetryPolicy({ delaysMs: [10, 20], maxAttempts: 3 }).attempts();
    expect([attempts.next(), attempts.next(), attempts.next()]).toEqual([10, 20, 20]);
    expect(attempts.count).toBe(3);
    expect(attempts.next()).toBeNull();
    expect(attempts.count).toBe(3);
    attempts.reset();
    expect(attempts.count).toBe(0);
    expect(attempts.next()).toBe(10);
  });

  it('refuses a table it cannot use', () => {
    expect(() => new RetryPolicy({ delaysMs: [] })).toThrow(RangeError);
    expect(() => new RetryPolicy({ delaysMs: [-1] })).toThrow(RangeError);
    expect(() => new RetryPolicy({ delaysMs: [1], jitter: -0.1 })).toThrow(RangeError);
  });
});
