import { describe, expect, it } from 'vitest';
import { FrameCredits, STALL_RESET_MS } from '../src/api/frame-credits';

describe('FrameCredits', () => {
  it('allows everything until configured, then at most `limit` unanswered frames', () => {
    const c = new FrameCredits();
    for (let i = 0; i < 10; i++) {
      expect(c.allows(0)).toBe(true);
      c.sent();
    }
    c.configure(2);
    expect(c.allows(0)).toBe(true);
    c.sent();
    c.sent();
    expect(c.allows(0)).toBe(false);
    c.received();
    expect(c.allows(0)).toBe(true);
    c.sent();
    c.received(2);
    expect(c.unanswered).toBe(0);
  });

  it('counts answers for frames never sent and does not bank them as credit', () => {
    const c = new FrameCredits();
    c.configure(1);
    c.received(5);
    expect(c.counters.unexpectedAcks).toBe(1);
    c.sent();
    expect(c.allows(0)).toBe(false);
  });

  it('gives the credits back when a page has not answered for STALL_RESET_MS', () => {
    const c = new FrameCredits();
    c.configure(1);
    c.sent();
    expect(c.allows(1000)).toBe(false);
    expect(c.allows(1000 + STALL_RESET_MS - 1)).toBe(false);
    expect(c.allows(1000 + STALL_RESET_MS)).toBe(true);
    expect(c.counters.stallResets).toBe(1);
  });
});
