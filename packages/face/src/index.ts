/**
 * @holocall/face: face geometry shared by the browser capture and the inference node.
 * Browser-safe (no Node APIs). The tracker itself is a separate entry point
 * (`@holocall/face/browser/tracker`), so Node code never loads human or tfjs.
 */
export * from './align';
export * from './canonical';
export * from './capture';
export * from './delaunay';
export * from './expression';
export * from './face-crop';
export * from './landmark-plausibility';
export * from './landmarks';
export * from './neutral';
export * from './pose';
export * from './procrustes';
export * from './similarity';
export * from './template';
export * from './warp';
