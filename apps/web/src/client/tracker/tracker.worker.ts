/// <reference lib="webworker" />
/**
 * The face tracker, off the main thread: @vladmandic/human (tfjs wasm backend) with models
 * and wasm served by this app. One detection at a time; the page sends the newest frame only
 * when the previous result is back, so frames never queue here.
 */
import { FaceTracker } from '@holocall/face/browser/tracker';
import * as human from '@vladmandic/human';
import type { TrackerReply, TrackerRequest } from './tracker-messages';

declare const self: DedicatedWorkerGlobalScope;

let tracker: FaceTracker | null = null;

function reply(message: TrackerReply, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = async (event: MessageEvent<TrackerRequest>) => {
  const message = event.data;
  if (message.type === 'init') {
    const t0 = performance.now();
    try {
      tracker = await FaceTracker.create(
        {
          modelBasePath: new URL(message.modelBasePath, self.location.origin).href,
          wasmPath: new URL(message.wasmPath, self.location.origin).href,
          threads: false,
          skipFrames: message.video ? 5 : 0,
          rotationCorrection: !message.video,
        },
        human as never,
      );
      reply({ type: 'ready', backend: tracker.backend, loadMs: performance.now() - t0 });
    } catch (error) {
      reply({ type: 'error', id: null, message: `tracker failed to load: ${(error as Error).message}` });
    }
    return;
  }
  if (message.type === 'detect') {
    const { bitmap, id } = message;
    try {
      if (!tracker) throw new Error('tracker not ready');
      const result = await tracker.detect(bitmap, bitmap.width, bitmap.height);
      const faces = result.faces.map((f) => ({
        landmarks: f.landmarks,
        score: f.score,
        box: f.box,
        humanAngles: f.humanAngles,
        cropSize: f.cropSize,
      }));
      reply(
        { type: 'result', id, faces, width: result.width, height: result.height, detectMs: result.detectMs },
        faces.map((f) => f.landmarks.buffer as ArrayBuffer),
      );
    } catch (error) {
      reply({ type: 'error', id, message: (error as Error).message });
    } finally {
      bitmap.close();
    }
  }
};
