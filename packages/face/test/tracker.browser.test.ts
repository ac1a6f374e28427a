/**
 * SLOWER (about 10 s): runs the real tracker in Debian's headless Chromium, in the page and in
 * the Web Worker through TrackerClient, and checks it reproduces the committed fixture
 * landmarks. Skipped when Chromium is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks } from '../src/node/fixtures';
import { CHROMIUM_PATH, trackImages } from '../src/node/tracker-harness';

const haveChromium = existsSync(CHROMIUM_PATH);
/** The tracker rounds to whole pixels; allow a pixel of drift between runs or wasm builds. */
const TOLERANCE_PX = 1.5;

function maxDeviation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i += 3) {
    m = Math.max(m, Math.hypot((a[i] as number) - (b[i] as number), (a[i + 1] as number) - (b[i + 1] as number)));
  }
  return m;
}

describe.skipIf(!haveChromium)('the browser tracker on the fixture photo', () => {
  const photo = new Map([['astronaut', new Uint8Array(readFileSync(FIXTURE_PHOTO_PATH))]]);
  const fixture = fixtureLandmarks('astronaut');

  it('in the page: 478 landmarks matching the fixture, on the wasm backend, nothing fetched from outside', async () => {
    const r = await trackImages(photo, 'page');
    expect(r.backend).toBe('wasm');
    const face = r.faces.astronaut!;
    expect(face.landmarks.length).toBe(478 * 3);
    expect(maxDeviation(face.landmarks, fixture)).toBeLessThanOrEqual(TOLERANCE_PX);
  }, 60_000);

  it('in the Web Worker through TrackerClient: the same landmarks', async () => {
    const r = await trackImages(photo, 'worker');
    const face = r.faces.astronaut!;
    expect(face.landmarks.length).toBe(478 * 3);
    expect(maxDeviation(face.landmarks, fixture)).toBeLessThanOrEqual(TOLERANCE_PX);
  }, 60_000);
});
