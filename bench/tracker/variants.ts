import type { TrackerOptions } from '@holocall/face/browser/tracker';
import { type TrackerAssets, trackingOptions } from '@holocall/face/browser/tracker-client';

/** Where the tracker benches serve human's models and tfjs's wasm. */
export const BENCH_TRACKER_ASSETS: TrackerAssets = { modelBasePath: '/models/', wasmPath: '/wasm/' };

/**
 * The tracker before and after it learned to follow the face: "before" is the video options the
 * product shipped until then (human.detect on every frame, skipFrames 5, no rotation pass).
 */
export const TRACKER_VARIANTS = {
  before: {
    label: 'before: human.detect, skipFrames 5',
    options: { ...BENCH_TRACKER_ASSETS, threads: false, skipFrames: 5, rotationCorrection: false } as TrackerOptions,
  },
  after: { label: "after: trackingOptions('video')", options: trackingOptions('video', BENCH_TRACKER_ASSETS) },
};
export type TrackerVariant = keyof typeof TRACKER_VARIANTS;
