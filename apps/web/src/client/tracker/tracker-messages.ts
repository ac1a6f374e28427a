/** Messages between the page and the face-tracker Web Worker (same-origin, structured clone). */

/** Where the tracker's files are served from by this app (scripts/copy-vendor.mjs puts them there). */
export const TRACKER_ASSETS = {
  modelBasePath: '/vendor/human/models/',
  wasmPath: '/vendor/tfjs/',
} as const;

export type TrackerRequest =
  | { type: 'init'; modelBasePath: string; wasmPath: string; video: boolean }
  /** The bitmap is transferred (and closed by the worker). */
  | { type: 'detect'; id: number; bitmap: ImageBitmap };

export interface WorkerFace {
  /** Flat [x, y, z] * 478, pixels of the bitmap. */
  landmarks: Float64Array;
  score: number;
  box: [number, number, number, number];
  humanAngles: { yaw: number; pitch: number; roll: number };
  cropSize: number;
}

export type TrackerReply =
  | { type: 'ready'; backend: string; loadMs: number }
  | { type: 'result'; id: number; faces: WorkerFace[]; width: number; height: number; detectMs: number }
  | { type: 'error'; id: number | null; message: string };
