import { RAY_END, RAY_START } from './eg3d';

/** How one view is ray-marched (EG3D's rendering_options, deterministic). */
export interface MarchSettings {
  /** Ray grid (the "neural rendering resolution"), before upsampling. */
  width: number;
  height: number;
  /** EG3D depth_resolution: coarse samples, evenly spaced over [rayStart, rayEnd], ends included. */
  coarseSamples: number;
  /** EG3D depth_resolution_importance: fine samples drawn from the coarse weights. */
  fineSamples: number;
  rayStart: number;
  rayEnd: number;
}

export function marchSettings(
  width: number,
  height: number,
  coarseSamples: number,
  fineSamples: number,
): MarchSettings {
  return { width, height, coarseSamples, fineSamples, rayStart: RAY_START, rayEnd: RAY_END };
}

/** Coarse samples need at least 4 entries: the importance pdf uses coarse weights [1:-1] of S-1 intervals. */
export const MIN_COARSE_SAMPLES = 4;
