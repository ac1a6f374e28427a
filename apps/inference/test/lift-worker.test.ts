import { readFileSync } from 'node:fs';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '@holocall/face/node';
import { afterAll, describe, expect, it } from 'vitest';
import { LiftWorker } from '../src/enrollment/lift-worker-client';
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
});
