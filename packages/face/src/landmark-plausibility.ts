import { LANDMARK_COUNT, MAX_LANDMARK_DEPTH_RATIO, MIN_FACE_SIDE, refuseEnrollment } from '@holocall/protocol';
import { LM } from './landmarks';

/**
 * The one plausibility check of enrollment landmarks, made by the web server on what the
 * browser's tracker found in a photo and by the inference node before it lifts (on landmarks
 * already scaled to the image it decoded). Nothing here can see a face; it checks that what it
 * is told is one face that fits the image:
 *   - a flat array of finite numbers in [x, y, z] triples (landmarks_malformed);
 *   - exactly LANDMARK_COUNT points: none is no face, a multiple of it several (no_face,
 *     several_faces, landmark_count);
 *   - every x, y inside the image (landmarks_outside_photo);
 *   - at least MIN_FACE_SIDE pixels across (face_too_small);
 *   - every depth within MAX_LANDMARK_DEPTH_RATIO face sizes (implausible_depth);
 *   - the eyes apart, the mouth away from the eyes and the nose tip between the eye line and
 *     the mouth, for any head roll (implausible_anatomy).
 * Throws the refuseEnrollment HolocallError of the first check that fails; returns the points
 * as a new Float64Array.
 */
export function checkEnrollmentLandmarks(flat: unknown, image: { width: number; height: number }): Float64Array {
  if (!Array.isArray(flat) && !(ArrayBuffer.isView(flat) && !(flat instanceof DataView))) {
    throw refuseEnrollment('landmarks_malformed', 'landmarks must be a flat array of numbers');
  }
  const values = flat as ArrayLike<unknown>;
  if (values.length === 0) throw refuseEnrollment('no_face', 'no face was found in the photo');
  if (values.length % 3 !== 0) throw refuseEnrollment('landmarks_malformed', 'landmarks must be [x, y, z] triples');
  const points = values.length / 3;
  if (points !== LANDMARK_COUNT) {
    if (points % LANDMARK_COUNT === 0) {
      throw refuseEnrollment('several_faces', 'the photo must show exactly one face', {
        faces: points / LANDMARK_COUNT,
      });
    }
    throw refuseEnrollment('landmark_count', `landmarks must have ${LANDMARK_COUNT} points`, {
      expected: LANDMARK_COUNT,
      actual: points,
    });
  }
  const l = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw refuseEnrollment('landmarks_malformed', 'landmarks must be finite numbers', { index: i });
    }
    l[i] = v;
  }
  const { width, height } = image;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const x = l[3 * i]!;
    const y = l[3 * i + 1]!;
    if (x < 0 || y < 0 || x > width || y > height) {
      throw refuseEnrollment('landmarks_outside_photo', 'landmarks fall outside the photo', {
        index: i,
        x,
        y,
        width,
        height,
      });
    }
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const side = Math.max(maxX - minX, maxY - minY);
  if (side < MIN_FACE_SIDE) {
    throw refuseEnrollment('face_too_small', `the face is too small (under ${MIN_FACE_SIDE} pixels across)`, {
      side: Math.round(side),
      min: MIN_FACE_SIDE,
    });
  }
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const z = l[3 * i + 2]!;
    if (Math.abs(z) > MAX_LANDMARK_DEPTH_RATIO * side) {
      throw refuseEnrollment('implausible_depth', 'landmark depth is implausible', { index: i, z, side });
    }
  }
  checkAnatomy(l, side);
  return l;
}

function at(l: Float64Array, i: number): [number, number] {
  return [l[3 * i]!, l[3 * i + 1]!];
}

function checkAnatomy(l: Float64Array, side: number): void {
  const mid = (a: [number, number], b: [number, number]): [number, number] => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const rightEye = mid(at(l, LM.rightEyeOuter), at(l, LM.rightEyeInner));
  const leftEye = mid(at(l, LM.leftEyeOuter), at(l, LM.leftEyeInner));
  const eyes = mid(rightEye, leftEye);
  const mouth = mid(at(l, LM.upperLipInner), at(l, LM.lowerLipInner));
  const nose = at(l, LM.noseTip);
  const eyeGap = Math.hypot(leftEye[0] - rightEye[0], leftEye[1] - rightEye[1]);
  const eyesToMouth = Math.hypot(mouth[0] - eyes[0], mouth[1] - eyes[1]);
  const implausible = (feature: string) =>
    refuseEnrollment('implausible_anatomy', `landmarks do not describe a face: ${feature}`, { feature });
  if (eyeGap < side * 0.1) throw implausible('eyes too close together');
  if (eyesToMouth < side * 0.1) throw implausible('mouth too close to the eyes');
  // Along the eyes-to-mouth axis, the nose tip lies between them (roll does not matter).
  const ax = (mouth[0] - eyes[0]) / eyesToMouth;
  const ay = (mouth[1] - eyes[1]) / eyesToMouth;
  const t = ((nose[0] - eyes[0]) * ax + (nose[1] - eyes[1]) * ay) / eyesToMouth;
  if (t < 0 || t > 1) throw implausible('nose not between the eyes and the mouth');
}
