/**
 * The reference backend: a classical (no trained weights) implementation of the lift and
 * reenact stages that still does the real job, so the product works end to end and says so.
 */

export * from './backend-info';
export { alignedImageFromRgba, rgbaFromAlignedImage } from './image';
export * from './lift';
export * from './pose-only-fallback';
export * from './preview';
export * from './reenact';
