/**
 * The reference face the canonical frame is defined against (see scripts/build-template.ts for
 * how it was made from the tracker's own output): 478 points in head axes (x = the person's
 * left, y = up, z = out of the face), unit = inter-ocular distance (IOD), origin between the eyes.
 *
 * It fixes axes and scale through the expression-stable landmarks only; it is one face, not a
 * model of faces, and nothing identity- or expression-specific is read from it.
 */
import { LANDMARK_COUNT } from './landmarks';
import { REFERENCE_FACE_POINTS } from './template-data';

export const REFERENCE_FACE: Float64Array = REFERENCE_FACE_POINTS;

if (REFERENCE_FACE.length !== LANDMARK_COUNT * 3) {
  throw new Error(`template-data.ts holds ${REFERENCE_FACE.length / 3} points, expected ${LANDMARK_COUNT}`);
}

/**
 * The reference face as a tracker would report it: rotated by the head rotation M (landmark axes,
 * see pose.ts), scaled to `scale` pixels per IOD, moved to `translation`, with the tracker's depth
 * divided by `depthScale`. For tests and synthetic drivers; `points` defaults to the reference.
 */
export function poseFace(
  M: ArrayLike<number>,
  scale: number,
  translation: readonly [number, number, number],
  depthScale = 1,
  points: ArrayLike<number> = REFERENCE_FACE,
): Float64Array {
  const n = Math.floor(points.length / 3);
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const x = points[3 * i] as number;
    const y = points[3 * i + 1] as number;
    const z = points[3 * i + 2] as number;
    for (let r = 0; r < 3; r++) {
      const v =
        scale * ((M[r * 3] as number) * x + (M[r * 3 + 1] as number) * y + (M[r * 3 + 2] as number) * z) +
        translation[r]!;
      out[3 * i + r] = r === 2 ? v / depthScale : v;
    }
  }
  return out;
}
