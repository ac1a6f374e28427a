import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log';
import { AvatarCache } from '../src/senders/avatar-cache';
import { LatestFrameScheduler } from '../src/senders/latest-frame-scheduler';
import type { PreparedTriplane, RenderStage } from '../src/stages/contract';
import { createTriplane, type Triplane } from '../src/triplane/layout';

/** A stage that only accounts bytes (the cache must not care what it prepares). */
function fakeStage(preparedBytes: number) {
  const released: Triplane[] = [];
  const stage = {
    name: 'fake',
    executionProvider: 'cpu',
    untrained: false,
    prepare: async (triplane: Triplane): Promise<PreparedTriplane> => ({ triplane, bytes: preparedBytes }),
    release: (p: PreparedTriplane) => released.push(p.triplane),
    render: async () => {
      throw new Error('not used');
    },
    close: async () => {},
  } satisfies RenderStage;
  return { stage, released };
}

describe('avatar cache', () => {
  const log = createLogger({}, 'silent');
  const t = () => createTriplane(16); // 3 * 32 * 16 * 16 * 4 = 98,304 bytes
  const bytes = 98_304 + 1000;

  it('evicts the least recently used avatar when over its byte budget, and reports it', async () => {
    const evicted: string[] = [];
    const { stage, released } = fakeStage(1000);
    const cache = new AvatarCache(stage, bytes * 2, log, (h) => evicted.push(h));
    await cache.put('a', t(), {});
    await cache.put('b', t(), {});
    cache.get('a'); // b is now least recently used
    await cache.put('c', t(), {});
    expect(evicted).toEqual(['b']);
    expect(released).toHaveLength(1);
    expect(cache.has('a') && cache.has('c') && !cache.has('b')).toBe(true);
    const s = cache.stats();
    expect(s).toMatchObject({ entries: 2, bytes: 2 * bytes, evictions: 1, bytesPerAvatar: bytes });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats().misses).toBe(1);
  });

  it('replacing an avatar releases the old one and keeps the byte count exact', async () => {
    const { stage, released } = fakeStage(10);
    const cache = new AvatarCache(stage, 10 ** 9, log);
    await cache.put('a', t(), {});
    await cache.put('a', t(), { neutralCode: new Float32Array(10) });
    expect(released).toHaveLength(1);
    expect(cache.stats().bytes).toBe(98_304 + 10 + 40);
  });
});

describe('latest-frame scheduler', () => {
  it('renders the newest waiting frame per sender, takes turns, and counts drops', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = () => new Promise<void>((r) => (release = r));
    let pending = gate();
    const s = new LatestFrameScheduler<string>(async (key, item) => {
      order.push(`${key}:${item}`);
      await pending;
    });
    s.submit('a', 1, 'a1'); // starts rendering at once
    s.submit('a', 2, 'a2');
    s.submit('a', 3, 'a3'); // supersedes a2
    s.submit('b', 1, 'b1');
    s.submit('a', 2, 'late'); // older than a3: stale
    s.submit('a', 0xffffffff, 'wrapped-old'); // 2^32 - 1 is "before" 3 in serial arithmetic: stale
    const idle = s.idle();
    pending = Promise.resolve();
    release();
    await idle;
    expect(order).toEqual(['a:a1', 'a:a3', 'b:b1']);
    expect(s.stats()).toMatchObject({ received: 6, rendered: 3, droppedSuperseded: 1, droppedStale: 2, waiting: 0 });
  });

  it('counts a failed render and carries on', async () => {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const s = new LatestFrameScheduler<number>(
      async (_k, n) => {
        seen.push(n);
        if (n === 1) throw new Error('boom');
      },
      (_k, e) => errors.push(e),
    );
    s.submit('a', 1, 1);
    await s.idle();
    s.submit('a', 2, 2);
    await s.idle();
    expect(seen).toEqual([1, 2]);
    expect(s.stats()).toMatchObject({ failed: 1, rendered: 1 });
    expect(errors).toHaveLength(1);
  });
});
