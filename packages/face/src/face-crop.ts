/**
 * The frame of crop mode's live face crop (issue 15): a square in which the person's rigid
 * landmarks (RIGID_LANDMARKS: forehead, nose, eye corners, cheeks) sit where the reference
 * face's frontal layout puts them, fitted by least squares. The sender warps each camera frame
 * into it; the receiver fits the same frame to the enrolled photo's landmarks and so knows where
 * the crop's eyes and mouth belong on the avatar.
 *
 * Why not the FFHQ frame the lift uses (align.ts): that one hangs on four points (the eye
 * openings' means and the mouth corners) that move with blinks, gaze and speech; a quarter
 * pixel of a 128 px crop already costs several dB at a face's detail. Forty-two rigid points
 * average the tracker's noise and ignore the expression. What is left (a tracker places a face
 * a pixel or two apart in two framings) the receiver registers (face-crop-composite.ts).
 */
import { HolocallError } from '@holocall/protocol';
import { RIGID_LANDMARKS } from './landmarks';
import type { Similarity2D } from './similarity';
import { REFERENCE_FACE } from './template';

/** Side of the crop a sender sends (the issue allows 96 to 160). */
export const FACE_CROP_SIZE = 128;
/** Crop pixels per IOD over the crop side, and where the point between the eyes sits. */
const IOD_FRACTION = 0.25;
const ORIGIN: [number, number] = [0.5, 0.4];

/** Where the reference face's point `i` sits in a size x size crop (image axes: y down). */
function templatePoint(i: number, size: number): [number, number] {
  const x = REFERENCE_FACE[3 * i] as number;
  const y = REFERENCE_FACE[3 * i + 1] as number;
  return [size * (ORIGIN[0] + IOD_FRACTION * x), size * (ORIGIN[1] - IOD_FRACTION * y)];
}

/** Least-squares similarity taking points p onto points q (2D Procrustes with scale). */
export function similarityFromPoints(p: readonly [number, number][], q: readonly [number, number][]): Similarity2D {
  const n = p.length;
  let [px, py, qx, qy] = [0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    px += (p[k] as [number, number])[0] / n;
    py += (p[k] as [number, number])[1] / n;
    qx += (q[k] as [number, number])[0] / n;
    qy += (q[k] as [number, number])[1] / n;
  }
  let [dot, cross, norm] = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const ax = (p[k] as [number, number])[0] - px;
    const ay = (p[k] as [number, number])[1] - py;
    const bx = (q[k] as [number, number])[0] - qx;
    const by = (q[k] as [number, number])[1] - qy;
    dot += ax * bx + ay * by;
    cross += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (!(norm > 1e-9)) throw HolocallError.badRequest('points for a similarity are all in one place');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: qx - (a * px - b * py), ty: qy - (b * px + a * py) };
}

/** Image pixel -> crop pixel for a face whose tracker landmarks are `landmarks` (image pixels). */
export function faceCropTransform(landmarks: ArrayLike<number>, size = FACE_CROP_SIZE): Similarity2D {
  const from = RIGID_LANDMARKS.map((i): [number, number] => [
    landmarks[3 * i] as number,
    landmarks[3 * i + 1] as number,
  ]);
  if (from.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) {
    throw HolocallError.badRequest('face crop: landmarks are not finite');
  }
  return similarityFromPoints(
    from,
    RIGID_LANDMARKS.map((i) => templatePoint(i, size)),
  );
}
