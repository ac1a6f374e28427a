import type { TrackerClient } from '@holocall/face/browser/tracker-client';
import { fixtureLandmarks } from '@holocall/face/node';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverCapture, FACE_LOST_AFTER_MS } from '../src/client/call/driver-capture';

const video = { readyState: 4, videoWidth: 512 } as HTMLVideoElement;
const landmarks = fixtureLandmarks('astronaut');

/** A tracker that finds the fixture face while `face` is true, nothing otherwise. */
function fakeTracker(ready: Promise<unknown> = Promise.resolve({ backend: 'wasm', loadMs: 1 })) {
  const state = { face: true, detections: 0 };
  const tracker = {
    ready,
    async detect() {
      state.detections++;
      const faces = state.face
        ? [{ landmarks: Float64Array.from(landmarks), humanAngles: null, score: 1, box: [0, 0, 1, 1], cropSize: 200 }]
        : [];
      return { faces, width: 512, height: 512, detectMs: 1, detected: false, stages: null };
    },
  };
  return { state, tracker: tracker as unknown as TrackerClient };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let running: DriverCapture | null = null;
afterEach(() => running?.stop());

describe('DriverCapture', () => {
  it('tells the sender once when their face has been out of view for a second, and when it is back', async () => {
    const { state, tracker } = fakeTracker();
    const events: boolean[] = [];
    let sent = 0;
    running = new DriverCapture(video, tracker, { send: () => sent++, onFaceLost: (lost) => events.push(lost) });
    running.start();
    await sleep(200);
    expect(sent).toBeGreaterThan(0);
    state.face = false;
    await sleep(FACE_LOST_AFTER_MS / 2);
    expect(events).toEqual([]); // a short loss is not news
    await sleep(FACE_LOST_AFTER_MS);
    expect(events).toEqual([true]);
    const sentWhileLost = sent;
    state.face = true;
    await sleep(200);
    expect(events).toEqual([true, false]);
    expect(sent).toBeGreaterThan(sentWhileLost);
  });

  it('says why when the tracker does not start, and stops asking it', async () => {
    const { state, tracker } = fakeTracker(Promise.reject(new Error('tracker failed to load: no wasm')));
    let failure: string | null = null;
    running = new DriverCapture(video, tracker, { send: () => {}, onTrackerFailed: (m) => (failure = m) });
    running.start();
    await sleep(100);
    expect(failure).toBe('tracker failed to load: no wasm');
    const asked = state.detections;
    await sleep(300);
    expect(state.detections).toBe(asked);
  });
});
