/** How the UI names this backend: it must never pass for a trained VOODOO 3D model. */
export const REFERENCE_BACKEND_INFO = {
  id: 'reference-classical',
  label: 'Classical reference model (landmark relief + warped tri-planes; no trained weights)',
  lift: 'reference-classical-lift',
  reenact: 'reference-classical-reenact',
  trained: false,
} as const;
