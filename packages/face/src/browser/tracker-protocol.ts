/**
 * Messages between the page and the face-tracker Web Worker (tracker.worker.ts). One request
 * in flight per frame id; the worker keeps only the LATEST waiting frame (a late frame is
 * worthless for a live call) and answers the ones it skipped with 'dropped'.
 */
import type { MeshTrackTimes } from './mesh-tracker';
import type { TrackedFace, TrackerOptions } from './tracker';

export type TrackerRequest =
  | { type: 'init'; options: TrackerOptions }
  /** `frame` is transferred; the worker closes it. */
  | { type: 'track'; id: number; frame: ImageBitmap };

/**
 * A face as it crosses to the page: the tracker's own TrackedFace. Its landmarks stay the
 * Float64Array `Landmarks` every consumer takes (capture, alignment, the enrollment upload),
 * so the page copies nothing; the buffer is transferred, not cloned.
 */
export type WireFace = TrackedFace;

export type TrackerResponse =
  /** The models are loaded; `loadMs` is the wall time of that load in the worker. */
  | { type: 'ready'; backend: string; loadMs: number }
  | {
      type: 'result';
      id: number;
      width: number;
      height: number;
      faces: WireFace[];
      detectMs: number;
      /** Whether the face detector ran (false: the face was followed from the last frame). */
      detected: boolean;
      /** A followed frame's stage times (null when the detector ran). */
      stages?: MeshTrackTimes | null;
    }
  | { type: 'dropped'; id: number }
  /** `id` null: the tracker failed to load, or the worker got a request it could not read. */
  | { type: 'error'; id: number | null; message: string };

/** Type guard for messages arriving at the worker (anything else is answered with an error). */
export function isTrackerRequest(value: unknown): value is TrackerRequest {
  if (value === null || typeof value !== 'object') return false;
  const m = value as { type?: unknown; id?: unknown; frame?: unknown; options?: unknown };
  switch (m.type) {
    case 'init':
      return typeof m.options === 'object' && m.options !== null;
    case 'track':
      return typeof m.id === 'number' && typeof m.frame === 'object' && m.frame !== null;
    default:
      return false;
  }
}
