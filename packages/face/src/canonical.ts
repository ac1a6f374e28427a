/**
 * The canonical, pose-free landmark frame: tracker landmarks with the fitted similarity and head
 * rotation removed (pose.ts), in head axes (x = the person's left, y = up, z = out of the face),
 * unit = the reference IOD, origin between the eyes. Expression codes are differences in this
 * frame (expression.ts).
 */
import { LANDMARK_COUNT } from './landmarks';
import { type FaceFit, type FitOptions, fitFace } from './pose';
import { mulTransposeVec } from './procrustes';

/** Canonical coordinates of all 478 landmarks for a fit: C_i = Mᵀ (Y_i − t) / s, Y = (x, y, k·z). */
export function canonicalFromFit(landmarks: ArrayLike<number>, fit: FaceFit): Float64Array {
  const out = new Float64Array(LANDMARK_COUNT * 3);
  const [tx, ty, tz] = fit.translation;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const c = mulTransposeVec(fit.rotation, [
      (landmarks[3 * i] as number) - tx,
      (landmarks[3 * i + 1] as number) - ty,
      fit.depthScale * (landmarks[3 * i + 2] as number) - tz,
    ]);
    out[3 * i] = c[0] / fit.scale;
    out[3 * i + 1] = c[1] / fit.scale;
    out[3 * i + 2] = c[2] / fit.scale;
  }
  return out;
}

/** Fits and canonicalises in one step. */
export function canonicalLandmarks(
  landmarks: ArrayLike<number>,
  options?: FitOptions,
): { canonical: Float64Array; fit: FaceFit } {
  const fit = fitFace(landmarks, options);
  return { canonical: canonicalFromFit(landmarks, fit), fit };
}
