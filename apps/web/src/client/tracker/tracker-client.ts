import { TRACKER_ASSETS, type TrackerReply, type TrackerRequest, type WorkerFace } from './tracker-messages';

export interface Detection {
  faces: WorkerFace[];
  width: number;
  height: number;
  detectMs: number;
}

/**
 * The page's handle on the tracker worker. `detect` resolves with the faces in one bitmap;
 * `busy` tells a live loop to skip a frame rather than queue it (the latest frame wins).
 */
export class TrackerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (d: Detection) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ backend: string; loadMs: number }>;

  constructor(options: { video: boolean }) {
    this.worker = new Worker(new URL('./tracker.worker.ts', import.meta.url), { type: 'module', name: 'face-tracker' });
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener('error', (e) => reject(new Error(`tracker worker failed: ${e.message}`)), {
        once: true,
      });
      this.worker.addEventListener('message', (event: MessageEvent<TrackerReply>) => {
        const message = event.data;
        if (message.type === 'ready') resolve({ backend: message.backend, loadMs: message.loadMs });
        else if (message.type === 'error' && message.id === null) reject(new Error(message.message));
        else if (message.type === 'result' || message.type === 'error') {
          const waiter = message.id === null ? undefined : this.pending.get(message.id);
          if (!waiter || message.id === null) return;
          this.pending.delete(message.id);
          if (message.type === 'result') waiter.resolve(message);
          else waiter.reject(new Error(message.message));
        }
      });
    });
    this.post({ type: 'init', ...TRACKER_ASSETS, video: options.video });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  private post(message: TrackerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** Detects faces in `source` (a video frame, an image, a canvas); the bitmap is made here and transferred. */
  async detect(source: ImageBitmapSource): Promise<Detection> {
    await this.ready;
    const bitmap = await createImageBitmap(source);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'detect', id, bitmap }, [bitmap]);
    });
  }

  close(): void {
    this.worker.terminate();
    for (const waiter of this.pending.values()) waiter.reject(new Error('tracker closed'));
    this.pending.clear();
  }
}
