/**
 * Browser face tracker: @vladmandic/human with the tfjs WebAssembly backend, face mesh + iris
 * only (478 landmarks), everything else off. Runs in a page or a Web Worker (tracker.worker.ts).
 *
 * Model and wasm files are served by the app itself: the caller passes `modelBasePath` (a URL
 * folder holding @vladmandic/human/models/{blazeface,facemesh,iris}.{json,bin}) and `wasmPath`
 * (a URL folder holding @tensorflow/tfjs-backend-wasm/dist/*.wasm). There is no default, on
 * purpose: human's defaults point at a CDN, and this product never loads code or models from
 * anywhere but its own origin.
 *
 * Threads: the threaded wasm build needs SharedArrayBuffer, i.e. a cross-origin isolated page
 * (COOP: same-origin + COEP: require-corp). Without isolation tfjs falls back to the
 * single-threaded SIMD build by itself; `threads: false` forces that.
 */
import type { Config, FaceResult, Human as HumanType, Input } from '@vladmandic/human';
import { LANDMARK_COUNT, type Landmarks, landmarksFromMesh } from '../landmarks';
import {
  type MeshTrack,
  MeshTracker,
  type MeshTrackTimes,
  type Roi,
  roiFromLandmarks,
  roiUsable,
} from './mesh-tracker';

export { MESH_MODEL_INPUT } from './tracker-constants';

export interface TrackerOptions {
  /** URL folder with human's model files (must end with '/'). */
  modelBasePath: string;
  /** URL folder with tfjs-backend-wasm's .wasm files (must end with '/'). */
  wasmPath: string;
  /** Allow the multi-threaded wasm build when the page is cross-origin isolated (default true). */
  threads?: boolean;
  /**
   * Rotate the face upright before the mesh model (better landmarks for tilted heads, about
   * one more model pass). Default true for stills; a live tracker can turn it off for speed.
   */
  rotationCorrection?: boolean;
  /** Reuse the previous frame's face box for this many frames (video); 0 for unrelated stills. */
  skipFrames?: number;
  /**
   * Live video: follow the face from frame to frame on a crop around the last landmarks and run
   * the detector only when it is lost (mesh-tracker.ts). Default false (every frame detected).
   */
  tracking?: boolean;
  /** Human's console debug output (default false). */
  debug?: boolean;
}

export interface TrackedFace {
  /** 478 points, flat [x, y, z]: x, y in pixels of the input, z the mesh model's depth (see landmarks.ts). */
  landmarks: Landmarks;
  /**
   * Human's own rotation estimate (radians, from four mesh points); pose.ts fits a better one.
   * Kept for diagnostics and as a cross-check; null on frames followed by the mesh tracker.
   */
  humanAngles: { yaw: number; pitch: number; roll: number } | null;
  /** Mesh confidence 0..1. */
  score: number;
  /** Face box [x, y, width, height] in pixels. */
  box: [number, number, number, number];
  /**
   * Side of the square crop the mesh model saw, in input pixels, when known: the mesh model's
   * z is in crop units / MESH_MODEL_INPUT, so `z · cropSize / MESH_MODEL_INPUT` is pixels.
   */
  cropSize: number;
}

export interface TrackResult {
  faces: TrackedFace[];
  width: number;
  height: number;
  /** Wall time of tracking this frame in ms. */
  detectMs: number;
  /** Whether the face detector ran on this frame (always, unless `tracking` followed a face). */
  detected: boolean;
  /** Where a followed frame's time went (null when the detector ran). */
  stages: MeshTrackTimes | null;
  backend: string;
}

/** The human configuration this product uses: face mesh + iris, nothing else. */
export function trackerConfig(options: TrackerOptions): Partial<Config> {
  if (!options.modelBasePath || !options.wasmPath) {
    throw new Error('face tracker: modelBasePath and wasmPath are required (the CDN defaults are never used)');
  }
  const skipFrames = options.skipFrames ?? 0;
  return {
    backend: 'wasm',
    modelBasePath: options.modelBasePath,
    wasmPath: options.wasmPath,
    wasmPlatformFetch: false,
    debug: options.debug ?? false,
    async: true,
    warmup: 'none',
    cacheModels: false,
    validateModels: false,
    // Stills: a changed input must be re-detected; video: human's frame cache saves the detector.
    cacheSensitivity: skipFrames > 0 ? 0.7 : 0,
    flags: options.threads === false ? { WASM_HAS_MULTITHREAD_SUPPORT: false } : {},
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        rotation: options.rotationCorrection ?? true,
        maxDetected: 1,
        skipFrames,
        skipTime: skipFrames > 0 ? 2500 : 0,
        minConfidence: 0.2,
        return: false,
      },
      mesh: { enabled: true },
      iris: { enabled: true },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
  };
}

/** Converts one human FaceResult; null when it lacks a full mesh (e.g. a detector-only face). */
export function trackedFaceFromResult(face: FaceResult): TrackedFace | null {
  if (!face.mesh || (face.mesh.length !== LANDMARK_COUNT && face.mesh.length !== 468)) return null;
  const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
  const size = face.size ?? [0, 0];
  return {
    landmarks: landmarksFromMesh(face.mesh),
    humanAngles: { yaw: angle.yaw, pitch: angle.pitch, roll: angle.roll },
    score: face.faceScore ?? face.score,
    box: [face.box[0], face.box[1], face.box[2], face.box[3]],
    cropSize: Math.max(size[0], size[1]),
  };
}

/** A face the mesh tracker followed, in the shape human's faces take. */
function trackedFaceFromTrack(track: MeshTrack): TrackedFace {
  const landmarks = landmarksFromMesh(track.mesh);
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < landmarks.length; i += 3) {
    x0 = Math.min(x0, landmarks[i] as number);
    x1 = Math.max(x1, landmarks[i] as number);
    y0 = Math.min(y0, landmarks[i + 1] as number);
    y1 = Math.max(y1, landmarks[i + 1] as number);
  }
  return {
    landmarks,
    humanAngles: null,
    score: track.score,
    box: [x0, y0, x1 - x0, y1 - y0],
    cropSize: track.roi.side,
  };
}

export class FaceTracker {
  /** Where the face was last seen (tracking mode); null: run the detector. */
  private roi: Roi | null = null;
  private readonly meshTracker: MeshTracker | null;

  private constructor(
    private readonly human: HumanType,
    readonly backend: string,
    tracking: boolean,
  ) {
    this.meshTracker = tracking ? new MeshTracker(human) : null;
  }

  /**
   * Loads human, the wasm backend and the three face models. `humanModule` lets a bundler or
   * test pass the already-imported module; by default it is imported here (browser build).
   */
  static async create(options: TrackerOptions, humanModule?: { Human: new (c: Partial<Config>) => HumanType }) {
    const config = trackerConfig(options);
    const mod =
      humanModule ?? ((await import('@vladmandic/human')) as { Human: new (c: Partial<Config>) => HumanType });
    const human = new mod.Human(config);
    // Human applies `config.flags` only after it has chosen the backend, too late to keep tfjs
    // off its threaded wasm build (whose pthread workers break once a bundler rewrites the
    // emscripten factory: "ReferenceError: tX is not defined"). Set the flag before load().
    if (options.threads === false) human.tf?.env?.().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await human.load();
    const backend = human.tf?.getBackend?.() ?? String(config.backend);
    if (backend !== 'wasm') throw new Error(`face tracker: wasm backend did not start (got ${backend})`);
    return new FaceTracker(human, backend, options.tracking === true);
  }

  /** Tracks faces in one image or video frame. */
  async detect(input: Input, width: number, height: number): Promise<TrackResult> {
    const start = performance.now();
    if (this.meshTracker && this.roi && roiUsable(this.roi, width, height)) {
      // A crop that cannot be followed (the mesh sees no face there, or the frame cannot be
      // drawn) falls through to the detector on this same frame.
      const track = await this.meshTracker.track(input as CanvasImageSource, this.roi).catch(() => null);
      if (track) {
        this.roi = roiFromLandmarks(track.mesh);
        const faces = [trackedFaceFromTrack(track)];
        const stages = { ...this.meshTracker.times };
        return {
          faces,
          width,
          height,
          detectMs: performance.now() - start,
          detected: false,
          stages,
          backend: this.backend,
        };
      }
    }
    const result = await this.human.detect(input);
    if (result.error) throw new Error(`face tracker: ${result.error}`);
    const faces: TrackedFace[] = [];
    for (const face of result.face) {
      const tracked = trackedFaceFromResult(face);
      if (tracked) faces.push(tracked);
    }
    const first = result.face.find((f) => f.mesh?.length === LANDMARK_COUNT);
    this.roi = this.meshTracker && first ? roiFromLandmarks(first.mesh) : null;
    return {
      faces,
      width,
      height,
      detectMs: performance.now() - start,
      detected: true,
      stages: null,
      backend: this.backend,
    };
  }

  dispose(): void {
    // human has no close(); dropping the models frees their tensors.
    for (const model of Object.values(this.human.models?.models ?? {})) {
      (model as { dispose?: () => void } | null)?.dispose?.();
    }
  }
}
