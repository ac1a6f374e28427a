/**
 * Driver frames from the real tracker: headless Chromium plays the fixture's moving-camera clip
 * at 30 fps into the product's tracker worker (bench/tracker/page-main.ts, streamTracker) and
 * hands each tracked face to this process, stamped with the epoch time its frame was taken;
 * here the real capture step (ExpressionCapture) and codec make the driver frame. The hand-over
 * from the page to Node (a DevTools binding, about a millisecond) is inside the measured time,
 * where the product has the page's own encode and data-channel send instead.
 */
import type { AddressInfo } from 'node:net';
import { ExpressionCapture } from '@holocall/face';
import { FIXTURE_PHOTO_PATH } from '@holocall/face/node';
import { encodeDriverFrame, nextDriverFrameSeq } from '@holocall/protocol';
import { chromium } from '@playwright/test';
import { bundleForBrowser, serveBenchSite } from '../support/bench-page';
import { TRACKER_VARIANTS, type TrackerVariant } from '../tracker/variants';

export interface TrackedFrame {
  bytes: Uint8Array;
  seq: number;
  /** When the camera frame was taken (epoch ms, fractional). */
  captureEpochMs: number;
}

export interface TrackedRun {
  /** Tracker ms a frame in the worker, and the capture step's ms, per frame sent. */
  trackerMs: number[];
  captureMs: number[];
  /** Frames the tracker returned a face for. */
  tracked: number;
}

/** Tracks for `seconds` and calls `send` with each driver frame as soon as it exists. */
export async function streamTrackedFrames(
  seconds: number,
  send: (frame: TrackedFrame) => void,
  variant: TrackerVariant = 'after',
): Promise<TrackedRun> {
  const scripts = await bundleForBrowser({
    'tracker.js': 'packages/face/src/browser/tracker.worker.ts',
    'main.js': 'bench/tracker/page-main.ts',
  });
  const server = await serveBenchSite({
    scripts,
    files: { '/faces/astronaut.png': FIXTURE_PHOTO_PATH },
    folders: {
      '/models/': 'node_modules/@vladmandic/human/models',
      '/wasm/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist',
    },
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const capture = new ExpressionCapture();
  const run: TrackedRun = { trackerMs: [], captureMs: [], tracked: 0 };
  let seq = 0;
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log(`  tracker page error: ${e.message}`));
    await page.exposeFunction(
      'benchTracked',
      (captureEpochMs: number, landmarks: number[], width: number, height: number, detectMs: number) => {
        const t0 = performance.now();
        const result = capture.process(landmarks, { width, height });
        seq = nextDriverFrameSeq(seq);
        const bytes = encodeDriverFrame({
          seq,
          captureTimeMs: Math.round(captureEpochMs),
          pose: result.pose,
          expression: result.expression,
        });
        run.captureMs.push(performance.now() - t0);
        run.trackerMs.push(detectMs);
        send({ bytes, seq, captureEpochMs });
      },
    );
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'streamTracker' in window);
    const options = {
      photo: '/faces/astronaut.png',
      options: TRACKER_VARIANTS[variant].options,
      seconds,
    };
    run.tracked = (await page.evaluate(
      (o) => (window as unknown as { streamTracker: (o: unknown) => Promise<number> }).streamTracker(o),
      options,
    )) as number;
  } finally {
    await browser.close();
    server.close();
  }
  return run;
}
