/**
 * The face tracker as a Web Worker: @vladmandic/human (tfjs wasm backend), off the main thread.
 * Start it through TrackerClient.spawn (which bundlers see as
 * `new Worker(new URL('./tracker.worker.ts', import.meta.url))`), or bundle it yourself and pass
 * the Worker to `new TrackerClient(worker, options)`. One dispatcher over the message tag;
 * malformed messages get an error reply, never an exception. Frames arriving while one is being
 * tracked replace each other (latest wins); the replaced ones are answered 'dropped'.
 */
// Imported here, not by FaceTracker.create's dynamic import: a bundler then puts human in this
// worker's own chunk instead of a lazily loaded one the worker would have to fetch.
import * as human from '@vladmandic/human';
import { FaceTracker, type TrackerOptions } from './tracker';
import { isTrackerRequest, type TrackerRequest, type TrackerResponse } from './tracker-protocol';

interface WorkerScope {
  postMessage(message: TrackerResponse, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  location: { origin: string };
}
const scope = self as unknown as WorkerScope;

let tracker: FaceTracker | null = null;
let busy = false;
let waiting: { id: number; frame: ImageBitmap } | null = null;

function reply(message: TrackerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/**
 * Model and wasm folders as absolute URLs of the page's origin: they name where the app serves
 * them, not a place next to this script, which lives wherever the bundler put it (Next's
 * Turbopack starts it through a bootstrap script under /_next/static/chunks/; other bundlers
 * may use a blob: URL, against which a relative path does not resolve at all).
 */
function withAbsolutePaths(options: TrackerOptions): TrackerOptions {
  return {
    ...options,
    modelBasePath: new URL(options.modelBasePath, scope.location.origin).href,
    wasmPath: new URL(options.wasmPath, scope.location.origin).href,
  };
}

async function track(id: number, frame: ImageBitmap): Promise<void> {
  if (!tracker) {
    frame.close();
    reply({ type: 'error', id, message: 'tracker not initialised' });
    return;
  }
  busy = true;
  try {
    const result = await tracker.detect(frame, frame.width, frame.height);
    reply(
      {
        type: 'result',
        id,
        width: result.width,
        height: result.height,
        faces: result.faces,
        detectMs: result.detectMs,
        detected: result.detected,
        stages: result.stages,
      },
      result.faces.map((f) => f.landmarks.buffer as ArrayBuffer),
    );
  } catch (error) {
    reply({ type: 'error', id, message: String((error as Error)?.message ?? error) });
  } finally {
    frame.close();
    busy = false;
  }
  const next = waiting;
  waiting = null;
  if (next) await track(next.id, next.frame);
}

async function dispatch(message: TrackerRequest): Promise<void> {
  switch (message.type) {
    case 'init': {
      const start = performance.now();
      try {
        tracker?.dispose();
        tracker = await FaceTracker.create(withAbsolutePaths(message.options), human);
        reply({ type: 'ready', backend: tracker.backend, loadMs: performance.now() - start });
      } catch (error) {
        reply({
          type: 'error',
          id: null,
          message: `tracker failed to load: ${String((error as Error)?.message ?? error)}`,
        });
      }
      return;
    }
    case 'track':
      if (busy) {
        if (waiting) {
          waiting.frame.close();
          reply({ type: 'dropped', id: waiting.id });
        }
        waiting = { id: message.id, frame: message.frame };
        return;
      }
      await track(message.id, message.frame);
      return;
    default:
      message satisfies never;
  }
}

scope.onmessage = (event: MessageEvent) => {
  const data: unknown = event.data;
  if (!isTrackerRequest(data)) {
    reply({ type: 'error', id: null, message: 'malformed tracker request' });
    return;
  }
  void dispatch(data);
};
