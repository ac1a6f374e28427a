/**
 * Page side of the tracker worker (tracker.worker.ts): init once, then `track` a live frame or
 * `detect` a still. Holds no tracker itself, so a page that imports it loads neither human nor
 * tfjs; those live in the worker's bundle.
 */
import type { MeshTrackTimes } from './mesh-tracker';
import type { TrackerOptions } from './tracker';
import type { TrackerResponse, WireFace } from './tracker-protocol';

/** Where an app serves the tracker's files: URL folders ending in '/' (see TrackerOptions). */
export type TrackerAssets = Pick<TrackerOptions, 'modelBasePath' | 'wasmPath'>;

/** A live camera ('video') or unrelated stills such as an enrollment photo ('still'). */
export type TrackingMode = 'video' | 'still';

/**
 * The options the product tracks with. Single-threaded wasm in both modes: the threaded build's
 * pthread workers break once a bundler rewrites the emscripten factory (see FaceTracker.create).
 * Video follows the face from frame to frame (the detector runs only when it is lost; see
 * mesh-tracker.ts); a still is detected afresh. Both rotate the face upright before the mesh
 * model (better landmarks; free in tracking, where the crop is drawn rotated).
 */
export function trackingOptions(mode: TrackingMode, assets: TrackerAssets): TrackerOptions {
  return {
    modelBasePath: assets.modelBasePath,
    wasmPath: assets.wasmPath,
    threads: false,
    skipFrames: 0,
    rotationCorrection: true,
    tracking: mode === 'video',
  };
}

export interface Detection {
  faces: WireFace[];
  /** Size of the tracked bitmap: the landmarks are in its pixels. */
  width: number;
  height: number;
  detectMs: number;
  /** Whether the detector ran on this frame (false: the face was followed from the last one). */
  detected: boolean;
  /** Where a followed frame's time went in the worker (crop, mesh model, iris model); else null. */
  stages: MeshTrackTimes | null;
}

interface Pending {
  resolve: (d: Detection | null) => void;
  reject: (e: Error) => void;
}

export class TrackerClient {
  /**
   * Starts this package's tracker worker. The `new Worker(new URL(...), import.meta.url)` form is
   * what Next (webpack and turbopack) and Vite recognise and bundle as a module worker; keep it
   * literal.
   */
  static spawn(options: TrackerOptions): TrackerClient {
    const worker = new Worker(new URL('./tracker.worker.ts', import.meta.url), {
      type: 'module',
      name: 'face-tracker',
    });
    return new TrackerClient(worker, options);
  }

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** Settles once: the backend and model load time, or why the tracker did not start. */
  readonly ready: Promise<{ backend: string; loadMs: number }>;

  constructor(
    private readonly worker: Worker,
    options: TrackerOptions,
  ) {
    let readyResolve: (r: { backend: string; loadMs: number }) => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    this.ready = new Promise((ok, fail) => {
      readyResolve = ok;
      readyReject = fail;
    });
    // A worker that fails to load or throws at top level: nothing it was asked will be answered.
    worker.addEventListener('error', (event) => {
      const error = new Error(`tracker worker failed: ${event.message}`);
      readyReject(error);
      this.failPending(error);
    });
    worker.addEventListener('message', (event: MessageEvent<TrackerResponse>) => {
      const m = event.data;
      switch (m.type) {
        case 'ready':
          readyResolve({ backend: m.backend, loadMs: m.loadMs });
          return;
        case 'result':
          this.settle(m.id, (p) =>
            p.resolve({
              width: m.width,
              height: m.height,
              faces: m.faces,
              detectMs: m.detectMs,
              detected: m.detected,
              stages: m.stages ?? null,
            }),
          );
          return;
        case 'dropped':
          this.settle(m.id, (p) => p.resolve(null));
          return;
        case 'error':
          if (m.id === null) readyReject(new Error(m.message));
          else this.settle(m.id, (p) => p.reject(new Error(m.message)));
          return;
        default:
          m satisfies never;
      }
    });
    worker.postMessage({ type: 'init', options });
  }

  private settle(id: number, f: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    f(p);
  }

  private failPending(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  /** A frame is being tracked: a live loop can skip this one rather than replace a waiting one. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Tracks one live frame once the tracker is ready; `frame` is transferred (unusable here
   * afterwards). Resolves null when a newer frame replaced it before it was tracked, or the
   * client was closed.
   */
  async track(frame: ImageBitmap): Promise<Detection | null> {
    await this.ready;
    if (this.closed) {
      frame.close();
      return null;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'track', id, frame }, [frame]);
    });
  }

  /**
   * Detects the faces in `source` (a video element, an image, a canvas, a bitmap). The bitmap
   * sent to the worker is made here, so `source` stays usable. Rejects where `track` would
   * resolve null.
   */
  async detect(source: ImageBitmapSource): Promise<Detection> {
    await this.ready;
    const detection = await this.track(await createImageBitmap(source));
    if (detection) return detection;
    throw new Error(this.closed ? 'tracker closed' : 'frame replaced by a newer one before it was tracked');
  }

  /** Stops the worker at once (its models go with it); frames still waiting resolve null. */
  close(): void {
    this.closed = true;
    this.worker.terminate();
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }
}
