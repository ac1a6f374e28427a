/**
 * Rendering constants fixed by EG3D's FFHQ configuration (the convention VOODOO 3D inherits).
 * The camera side of the convention (focal 4.2647, radius 2.7, look-at (0, 0, 0.2)) lives in
 * `@holocall/protocol`'s camera module; these are the volume's.
 */

/** The tri-plane spans [-BOX_WARP/2, BOX_WARP/2] on each axis. */
export const BOX_WARP = 1;

/** Depth range along each (unit-length) ray, measured from the camera centre, for radius 2.7. */
export const RAY_START = 2.25;
export const RAY_END = 3.3;

/** EG3D's density activation: softplus(raw - 1) (MipRayMarcher2, clamp_mode 'softplus'). */
export const DENSITY_ACTIVATION_BIAS = -1;

/** Added to alpha before the transmittance product, as EG3D does (keeps cumprod off exact zero). */
export const TRANSMITTANCE_EPS = 1e-10;

/** Added to pooled coarse weights before they become the importance pdf (EG3D sample_importance). */
export const IMPORTANCE_WEIGHT_FLOOR = 0.01;

/** Added to the pdf weights and used as the degenerate-denominator threshold (EG3D sample_pdf). */
export const PDF_EPS = 1e-5;

/** EG3D's colour activation: sigmoid(x) * (1 + 2 * 0.001) - 0.001. */
export const COLOR_SCALE = 1.002;
export const COLOR_SHIFT = -0.001;
