/**
 * The page side of bench/tracker.ts, bundled for Chromium: makes a moving-camera clip of a face
 * photo (ARCHITECTURE.md's recipe: zoom, pan and roll at 640 x 480, 30 fps), and feeds it frame
 * by frame to the product's tracker worker (packages/face/src/browser/tracker.worker.ts, bundled
 * beside it) through TrackerClient, as the call page's capture loop does. Returns per frame the
 * worker's tracking time, the round trip from the page, whether the detector ran, and the
 * landmarks.
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

async function runTracker(o: TrackerRunOptions): Promise<TrackerRunResult> {
  const photo = await createImageBitmap(await (await fetch(o.photo)).blob());
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const g = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  const clip: ImageBitmap[] = [];
  for (let i = 0; i < o.frames; i++) {
    drawFrame(g, photo, i, o.frames);
    clip.push(await createImageBitmap(canvas));
  }
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
        landmarks: face ? Array.from(face.landmarks) : null,
      });
    }
  }
  client.close();
  return { backend, loadMs, crossOriginIsolated, frames };
}

(window as unknown as { runTracker: typeof runTracker }).runTracker = runTracker;
