/**
 * The inference node as a library (the reference backend and tests import it; the process
 * entry point is main.ts).
 */

export { ConfigError, type InferenceConfig, loadConfig } from './config';
export { InferenceNode } from './node';
export { CpuRenderStage } from './render/cpu-render-stage';
export * from './render/eg3d';
export { OnnxRenderStage } from './render/onnx-render-stage';
export { QUALITY_LEVELS, type QualityLevel } from './render/quality';
export { renderReference } from './render/reference-renderer';
export { RenderPool } from './render/render-pool';
export * from './stages/contract';
export { IdentityReenact } from './stages/identity-reenact';
export { createReenact, createRenderStage, type RunningNode, startInferenceNode } from './start';
export * from './triplane/decoder';
export * from './triplane/layout';
export * from './triplane/primitives';
export { createSyntheticHead } from './triplane/synthetic-head';
