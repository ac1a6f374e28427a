/**
 * The face tracker as a Web Worker. Bundle it as a module worker:
 *   new Worker(new URL('@holocall/face/browser/tracker.worker', import.meta.url), { type: 'module' })
 * (or through TrackerClient). One dispatcher over the message tag; malformed messages get an
 * error reply, never an exception. Frames arriving while one is being tracked replace each other
 * (latest wins); the replaced ones are answered 'dropped'.
 */
import { FaceTracker } from './tracker';
import { isTrackerRequest, type TrackerRequest, type TrackerResponse, type WireFace } from './tracker-protocol';

interface WorkerScope {
  postMessage(message: TrackerResponse, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;

let tracker: FaceTracker | null = null;
let busy = false;
let waiting: { id: number; frame: ImageBitmap } | null = null;

function reply(message: TrackerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
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
    const faces: WireFace[] = result.faces.map((f) => ({
      landmarks: Float32Array.from(f.landmarks),
      humanAngles: f.humanAngles,
      score: f.score,
      box: f.box,
      cropSize: f.cropSize,
    }));
    reply(
      { type: 'result', id, width: result.width, height: result.height, faces, detectMs: result.detectMs },
      faces.map((f) => f.landmarks.buffer),
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
    case 'init':
      try {
        tracker?.dispose();
        tracker = await FaceTracker.create(message.options);
        reply({ type: 'ready', backend: tracker.backend });
      } catch (error) {
        reply({ type: 'error', id: null, message: String((error as Error)?.message ?? error) });
      }
      return;
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
    case 'dispose':
      tracker?.dispose();
      tracker = null;
      scope.close();
      return;
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
