/**
 * Page side of the tracker worker: init once, then track(frame) per video frame. Resolves
 * with the tracked faces, or null when a newer frame replaced this one before it was tracked.
 */
import type { TrackerOptions } from './tracker';
import type { TrackerResponse, WireFace } from './tracker-protocol';

export interface ClientTrackResult {
  width: number;
  height: number;
  faces: WireFace[];
  detectMs: number;
}

export class TrackerClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: ClientTrackResult | null) => void; reject: (e: Error) => void }
  >();
  private ready: Promise<string>;

  constructor(
    private readonly worker: Worker,
    options: TrackerOptions,
  ) {
    let readyResolve: (backend: string) => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    this.ready = new Promise<string>((ok, fail) => {
      readyResolve = ok;
      readyReject = fail;
    });
    worker.onmessage = (event: MessageEvent<TrackerResponse>) => {
      const m = event.data;
      switch (m.type) {
        case 'ready':
          readyResolve(m.backend);
          return;
        case 'result':
          this.settle(m.id, (p) =>
            p.resolve({ width: m.width, height: m.height, faces: m.faces, detectMs: m.detectMs }),
          );
          return;
        case 'dropped':
          this.settle(m.id, (p) => p.resolve(null));
          return;
        case 'error':
          if (m.id === null) readyReject(new Error(m.message));
          else this.settle(m.id, (p) => p.reject(new Error(m.message)));
          return;
      }
    };
    worker.postMessage({ type: 'init', options });
  }

  private settle(
    id: number,
    f: (p: { resolve: (r: ClientTrackResult | null) => void; reject: (e: Error) => void }) => void,
  ): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    f(p);
  }

  /** Resolves with the backend name once the models are loaded. */
  whenReady(): Promise<string> {
    return this.ready;
  }

  /** Tracks one frame (the bitmap is transferred to the worker). */
  track(frame: ImageBitmap): Promise<ClientTrackResult | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'track', id, frame }, [frame]);
    });
  }

  dispose(): void {
    this.worker.postMessage({ type: 'dispose' });
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }
}
