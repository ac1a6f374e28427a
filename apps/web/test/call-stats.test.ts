import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallStats, GLASS_SAMPLES } from '../src/client/call/call-stats';

describe('call stats overlay numbers', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('counts frames and payload kbps over the last second only', () => {
    const stats = new CallStats();
    for (let i = 0; i < 30; i++) {
      stats.frameSent(50);
      vi.advanceTimersByTime(33);
    }
    const s = stats.snapshot();
    expect(s.fpsSent).toBe(30);
    expect(s.kbpsDriverSent).toBeCloseTo((30 * 50 * 8) / 1000, 6);
    vi.advanceTimersByTime(2000);
    expect(stats.snapshot().fpsSent).toBe(0);
    expect(stats.totalFramesSent).toBe(30);
  });

  it('reports median latency from capture timestamps, and wire rates when sampled', () => {
    const stats = new CallStats();
    const now = Date.now();
    for (const age of [10, 20, 30, 40, 500]) stats.frameReceived(40, now - age);
    expect(stats.snapshot().latencyMs).toBe(30);
    expect(stats.snapshot().kbpsReceived).toBeCloseTo((5 * 40 * 8) / 1000, 6);
    stats.setWireRates(48_000, 64_000);
    expect(stats.snapshot()).toMatchObject({ kbpsSent: 48, kbpsReceived: 64 });
  });

  it('takes glass-to-glass percentiles over the last rendered frames that carried a capture time', () => {
    const stats = new CallStats();
    expect(stats.snapshot().glassToGlassMs).toBeNull();
    const now = Date.now();
    // An old slow stretch, pushed out by GLASS_SAMPLES newer frames of 100 ms, 5 % of them 300 ms.
    for (let i = 0; i < 50; i++) stats.frameRendered(now - 5000);
    for (let i = 0; i < GLASS_SAMPLES; i++) stats.frameRendered(now - (i % 20 === 0 ? 300 : 100));
    stats.frameRendered(); // no capture time (a preview): counted as drawn, not timed
    expect(stats.totalFramesRendered).toBe(GLASS_SAMPLES + 51);
    expect(stats.snapshot().glassToGlassMs).toEqual({ p50: 100, p95: 300 });
  });

  it('starts glass to glass afresh when the layout on screen changes (a quilt is far slower than flat)', () => {
    const stats = new CallStats();
    const now = Date.now();
    for (let i = 0; i < 100; i++) stats.frameRendered(now - 80, 'flat');
    stats.frameRendered(now - 3000, 'quilt');
    stats.frameRendered(now - 3000, 'quilt');
    expect(stats.snapshot().glassToGlassMs?.p50).toBeGreaterThanOrEqual(3000);
    stats.frameRendered(now - 80, 'flat');
    expect(stats.snapshot().glassToGlassMs?.p95).toBeLessThan(1000);
  });
});
