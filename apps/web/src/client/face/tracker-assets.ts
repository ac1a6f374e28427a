import type { TrackerAssets } from '@holocall/face/browser/tracker-client';

/**
 * Where this app serves the face tracker's files: scripts/copy-vendor.mjs copies human's models
 * and tfjs's wasm binaries there (public/vendor/), so nothing comes from a CDN.
 */
export const TRACKER_ASSETS: TrackerAssets = {
  modelBasePath: '/vendor/human/models/',
  wasmPath: '/vendor/tfjs/',
};
