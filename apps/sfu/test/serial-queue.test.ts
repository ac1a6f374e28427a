import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/rooms/serial-queue';

describe('SerialQueue', () => {
  it('runs tasks one at a time in order, and a failure does not stop the queue', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      return name;
    };
    const a = queue.push(task('a', 20));
    const b = queue.push(async () => {
      throw new Error('b failed');
    });
    const c = queue.push(task('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start c', 'end c']);
  });
});
