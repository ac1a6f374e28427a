/**
 * The page side of bench/tracker.ts, bundled for Chromium: makes a moving-camera clip of a face
 * photo (ARCHITECTURE.md's recipe: zoom, pan and roll at 640 x 480, 30 fps), and feeds it frame
 * by frame to the product's tracker worker (packages/face/src/browser/tracker.worker.ts, bundled
 * beside it) through TrackerClient, as the call page's capture loop does. Returns per frame the
 * worker's tracking time, the round trip from the page, whether the detector ran, and the
 * landmarks. `streamTracker` is the live version for bench/glass-to-glass.ts: the clip plays at
 * 30 fps and each tracked frame goes to Node as it is done, stamped with its capture time.
 */
import type { TrackerOptions } from '@holocall/face/browser/tracker';
import { TrackerClient } from '@holocall/face/browser/tracker-client';

export interface TrackerRunOptions {
  photo: string;
  options: TrackerOptions;
  frames: number;
  /** Passes over the clip before the measured one (model warm-up). */
  warmUpPasses: number;
}

export interface FrameResult {
  detectMs: number;
  roundTripMs: number;
  detected: boolean;
  /** Crop, mesh and iris ms of a followed frame (null when the detector ran). */
  stages: { cropMs: number; meshMs: number; irisMs: number } | null;
  /** Flat 478 x 3, or null when no face was found. */
  landmarks: number[] | null;
}

export interface TrackerRunResult {
  backend: string;
  loadMs: number;
  crossOriginIsolated: boolean;
  frames: FrameResult[];
}

const WIDTH = 640;
const HEIGHT = 480;

/** Frame i of the clip: the photo zoomed 1.25 ± 0.15, panned ± 60 px, rolled ± 0.2 rad. */
function drawFrame(g: OffscreenCanvasRenderingContext2D, photo: ImageBitmap, i: number, count: number) {
  const t = i / 30;
  const zoom = 1.25 + 0.15 * Math.sin((2 * Math.PI * i) / count);
  const scale = (HEIGHT / photo.height) * zoom;
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = '#000';
  g.fillRect(0, 0, WIDTH, HEIGHT);
  g.translate(WIDTH / 2, HEIGHT / 2);
  g.rotate(0.2 * Math.sin(Math.PI * t));
  g.translate(60 * Math.sin((4 * Math.PI * i) / count), 30);
  g.drawImage(
    photo,
    (-photo.width * scale) / 2,
    (-photo.height * scale) / 2,
    photo.width * scale,
    photo.height * scale,
  );
}

async function makeClip(url: string, count: number): Promise<ImageBitmap[]> {
  const photo = await createImageBitmap(await (await fetch(url)).blob());
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const g = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  const clip: ImageBitmap[] = [];
  for (let i = 0; i < count; i++) {
    drawFrame(g, photo, i, count);
    clip.push(await createImageBitmap(canvas));
  }
  return clip;
}

async function runTracker(o: TrackerRunOptions): Promise<TrackerRunResult> {
  const clip = await makeClip(o.photo, o.frames);
  const client = new TrackerClient(new Worker('/tracker.js', { type: 'module' }), o.options);
  const { backend, loadMs } = await client.ready;
  const frames: FrameResult[] = [];
  for (let pass = 0; pass <= o.warmUpPasses; pass++) {
    for (const bitmap of clip) {
      const started = performance.now();
      const d = await client.track(await createImageBitmap(bitmap));
      const roundTripMs = performance.now() - started;
      if (pass < o.warmUpPasses || !d) continue;
      const face = d.faces[0];
      frames.push({
        detectMs: d.detectMs,
        roundTripMs,
        detected: d.detected,
        stages: d.stages,
        landmarks: face ? Array.from(face.landmarks) : null,
      });
    }
  }
  client.close();
  return { backend, loadMs, crossOriginIsolated, frames };
}

/** Called in Node for each tracked frame (page.exposeFunction). */
type OnTracked = (captureEpochMs: number, landmarks: number[], width: number, height: number, detectMs: number) => void;

/**
 * The camera clip at 30 fps into the tracker as the call page's capture loop feeds it (the
 * newest frame once the last is done, never a queue), for `seconds`; each face goes to
 * `window.benchTracked`, stamped with the epoch time its frame was taken.
 */
async function streamTracker(o: { photo: string; options: TrackerOptions; seconds: number }): Promise<number> {
  const clip = await makeClip(o.photo, 120);
  const client = new TrackerClient(new Worker('/tracker.js', { type: 'module' }), o.options);
  await client.ready;
  const onTracked = (window as unknown as { benchTracked: OnTracked }).benchTracked;
  const started = performance.now();
  let tracked = 0;
  let lastStart = 0;
  while (performance.now() - started < o.seconds * 1000) {
    const wait = lastStart + 1000 / 30 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = performance.now();
    const frame = clip[Math.floor(((lastStart - started) * 30) / 1000) % clip.length] as ImageBitmap;
    const captureEpochMs = performance.timeOrigin + performance.now();
    const d = await client.track(await createImageBitmap(frame));
    const face = d?.faces[0];
    if (!d || !face) continue;
    tracked++;
    onTracked(captureEpochMs, Array.from(face.landmarks), d.width, d.height, d.detectMs);
  }
  client.close();
  return tracked;
}

Object.assign(window, { runTracker, streamTracker });
