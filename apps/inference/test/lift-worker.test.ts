import { readFileSync } from 'node:fs';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { afterAll, describe, expect, it } from 'vitest';
import { LIFT_JOB_DEADLINE_MS, LiftWorker } from '../src/enrollment/lift-worker-client';
import { createLogger } from '../src/log';

describe('lift worker thread', () => {
  const worker = new LiftWorker(createLogger({}, 'silent'));
  const input = {
    image: new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH)),
    landmarks: Float32Array.from(fixtureLandmarks('astronaut')),
    landmarkSpace: { width: 512, height: 512 },
    // A small tri-plane keeps this test quick; the API tests lift at the contract's 256.
    resolution: 64,
  };
  afterAll(async () => {
    await worker.close();
  });

  it('lifts off the main thread, reporting progress, and hands back a tri-plane and its model', async () => {
    const stages: string[] = [];
    const out = await worker.run(input, (stage) => stages.push(stage));
    expect(out.triplane.resolution).toBe(64);
    expect(out.triplane.data.length).toBe(3 * 32 * 64 * 64);
    // The reference model crosses the thread as part of the source face (explicit data, no registry).
    expect(out.sourceFace.reference.face.world.length).toBe(478 * 3);
    expect(out.sourceFace.reference.resolution).toBe(64);
    expect(stages).toEqual(expect.arrayContaining(['decode', 'align', 'lift']));
  }, 30_000);

  it('passes typed errors through and survives a crash, starting a new thread for the next lift', async () => {
    await expect(worker.run({ ...input, landmarks: new Float32Array(30) }, () => {})).rejects.toMatchObject({
      code: 'bad_request',
    });
    let killed = false;
    const pending = worker.run(input, () => {
      if (!killed) worker.crashForTest();
      killed = true;
    });
    await expect(pending).rejects.toMatchObject({ code: 'unavailable' });
    const again = await worker.run(input, () => {});
    expect(again.triplane.resolution).toBe(64);
    expect(worker.counters).toMatchObject({ spawns: 2, crashes: 1 });
  }, 30_000);

  it('fails a job past its deadline with timeout, terminates its stuck thread, and runs the next job on a new one', async () => {
    expect(LIFT_JOB_DEADLINE_MS).toBe(30_000);
    const stuck = new LiftWorker(createLogger({}, 'silent'));
    try {
      // A thread spinning forever: nothing but terminating it ends the job.
      const t0 = performance.now();
      await expect(stuck.hangForTest(300)).rejects.toMatchObject({ code: 'timeout', details: { deadlineMs: 300 } });
      expect(performance.now() - t0).toBeLessThan(LIFT_JOB_DEADLINE_MS);
      // The job behind it was waiting, and runs on a fresh thread.
      const next = await stuck.run(input, () => {});
      expect(next.triplane.resolution).toBe(64);
      expect(stuck.counters).toMatchObject({ spawns: 2, timeouts: 1, crashes: 0, jobs: 2 });
    } finally {
      await stuck.close();
    }
  }, 30_000);

  it('fails a real lift that runs past a shorter deadline, and gives the next job a new thread', async () => {
    // A deadline shorter than any lift: the real job is cut off mid-way like a stuck one.
    const hasty = new LiftWorker(createLogger({}, 'silent'), { deadlineMs: 1 });
    try {
      await expect(hasty.run(input, () => {})).rejects.toMatchObject({ code: 'timeout', details: { deadlineMs: 1 } });
      await expect(hasty.run(input, () => {})).rejects.toMatchObject({ code: 'timeout' });
      expect(hasty.counters).toMatchObject({ spawns: 2, timeouts: 2, crashes: 0 });
    } finally {
      await hasty.close();
    }
  }, 30_000);
});
