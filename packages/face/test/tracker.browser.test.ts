/**
 * SLOWER (about 10 s): runs the real tracker in Debian's headless Chromium, in the page and in
 * the Web Worker through TrackerClient, and checks it reproduces the committed fixture
 * landmarks. Skipped when Chromium is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openMouth, rotateImage, shiftGaze } from '../scripts/synthetic-variants';
import { FIXTURE_PHOTO_PATH, fixtureLandmarks, loadFixturePhoto, loadLandmarkFixture } from '../src/node/fixtures';
import { encodePng } from '../src/node/png';
import { CHROMIUM_PATH, trackImages } from '../src/node/tracker-harness';
import { createRgbaImage } from '../src/warp';

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

/** Mean distance between two landmark sets over the 468 mesh points (pixels). */
function meanDeviation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < 468; i++) {
    sum += Math.hypot((a[3 * i] as number) - (b[3 * i] as number), (a[3 * i + 1] as number) - (b[3 * i + 1] as number));
  }
  return sum / 468;
}

const lipGap = (l: ArrayLike<number>) =>
  Math.hypot((l[3 * 14] as number) - (l[3 * 13] as number), (l[3 * 14 + 1] as number) - (l[3 * 13 + 1] as number));

describe.skipIf(!haveChromium)('the browser tracker following a face through video frames', () => {
  it('detects once, follows the face as it turns and opens the mouth, and finds it again after losing it', async () => {
    const fixture = loadLandmarkFixture();
    const photo = loadFixturePhoto();
    const entry = fixture.entries.rotated!;
    const { angleDeg, cx, cy } = entry.params as { angleDeg: number; cx: number; cy: number };
    const mouthPx = (fixture.entries['mouth-open']!.params as { jawDropPx: number }).jawDropPx;
    const neutral = fixtureLandmarks('astronaut', fixture);
    // An opaque grey frame, as a camera pointed at a wall gives (human draws a transparent
    // frame over the previous one, so a transparent blank would still show the face).
    const blank = createRgbaImage(photo.width, photo.height);
    for (let i = 0; i < blank.data.length; i++) blank.data[i] = i % 4 === 3 ? 255 : 128;
    const frames = new Map<string, Uint8Array>([
      ['first', encodePng(photo)],
      ['rotated', encodePng(rotateImage(photo, (angleDeg * Math.PI) / 180, cx, cy))],
      ['mouth-open', encodePng(openMouth(photo, neutral, mouthPx))],
      ['blank', encodePng(blank)],
      ['found-again', encodePng(photo)],
      ['followed-again', encodePng(photo)],
    ]);
    const r = await trackImages(frames, 'worker', 'video');
    expect(r.detected).toEqual({
      first: true,
      rotated: false,
      'mouth-open': false,
      blank: true,
      'found-again': true,
      'followed-again': false,
    });
    expect(r.faces.blank).toBeNull();
    // Followed frames land where the detector (the fixture's still tracking) puts the points,
    // within about a pixel on average (the detector's are whole pixels, from another crop).
    expect(meanDeviation(r.faces.first!.landmarks, neutral)).toBeLessThan(1.5);
    expect(meanDeviation(r.faces.rotated!.landmarks, fixtureLandmarks('rotated', fixture))).toBeLessThan(2.5);
    expect(meanDeviation(r.faces['followed-again']!.landmarks, neutral)).toBeLessThan(2.5);
    // The open mouth is seen as open, as far as the detector sees it (8 px in the fixture).
    const opened = lipGap(r.faces['mouth-open']!.landmarks) - lipGap(r.faces.first!.landmarks);
    const openedStill = lipGap(fixtureLandmarks('mouth-open', fixture)) - lipGap(neutral);
    expect(opened).toBeGreaterThan(0.75 * openedStill);
    expect(r.faces['mouth-open']!.landmarks.length).toBe(478 * 3);
  }, 60_000);
});

/** Iris centre's x against the midpoint of its eye's corners (pixels): right eye, left eye. */
function irisOffsets(l: ArrayLike<number>): [number, number] {
  const offset = (iris: number, a: number, b: number) =>
    (l[3 * iris] as number) - ((l[3 * a] as number) + (l[3 * b] as number)) / 2;
  return [offset(473, 33, 133), offset(468, 263, 362)];
}

describe.skipIf(!haveChromium)('the browser tracker on a gaze shift', () => {
  it('both irises move the way the gaze moved (human alone mirrors the right eye)', async () => {
    const photo = loadFixturePhoto();
    const neutral = fixtureLandmarks('astronaut');
    const frames = new Map<string, Uint8Array>([
      ['ahead', encodePng(photo)],
      ['left', encodePng(shiftGaze(photo, neutral, -4))],
      ['ahead-again', encodePng(photo)],
      ['right', encodePng(shiftGaze(photo, neutral, 4))],
    ]);
    const r = await trackImages(frames, 'worker', 'video');
    const ahead = irisOffsets(r.faces.ahead!.landmarks);
    const left = irisOffsets(r.faces.left!.landmarks);
    const right = irisOffsets(r.faces.right!.landmarks);
    for (const eye of [0, 1]) {
      expect((left[eye] as number) - (ahead[eye] as number)).toBeLessThan(-0.5);
      expect((right[eye] as number) - (ahead[eye] as number)).toBeGreaterThan(0.5);
    }
  }, 60_000);
});
