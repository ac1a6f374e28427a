/**
 * The reference backend: a classical (no trained weights) implementation of the lift and
 * reenact stages that still does the real job, so the product works end to end and says so.
 */

export { alignedImageFromRgba, rgbaFromAlignedImage } from './image';
export * from './lift';
export * from './pose-only-fallback';
export * from './preview';
export * from './reenact';

/** How the UI names this backend: it must never pass for a trained VOODOO 3D model. */
export const REFERENCE_BACKEND_INFO = {
  id: 'reference-classical',
  label: 'Classical reference model (landmark relief + warped tri-planes; no trained weights)',
  lift: 'reference-classical-lift',
  reenact: 'reference-classical-reenact',
  trained: false,
} as const;
