/**
 * Messages between the page and the face-tracker Web Worker (tracker.worker.ts). One request
 * in flight per frame id; the worker keeps only the LATEST waiting frame (a late frame is
 * worthless for a live call) and answers the ones it skipped with 'dropped'.
 */
import type { TrackerOptions } from './tracker';

export type TrackerRequest =
  | { type: 'init'; options: TrackerOptions }
  /** `frame` is transferred; the worker closes it. */
  | { type: 'track'; id: number; frame: ImageBitmap }
  | { type: 'dispose' };

export interface WireFace {
  /** 478 x 3 (x, y pixels of the frame; z the mesh model's depth), transferred. */
  landmarks: Float32Array;
  humanAngles: { yaw: number; pitch: number; roll: number };
  score: number;
  box: [number, number, number, number];
  cropSize: number;
}

export type TrackerResponse =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; width: number; height: number; faces: WireFace[]; detectMs: number }
  | { type: 'dropped'; id: number }
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
    case 'dispose':
      return true;
    default:
      return false;
  }
}
