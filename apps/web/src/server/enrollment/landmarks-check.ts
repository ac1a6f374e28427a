import { LANDMARK_COUNT, LM } from '@holocall/face';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import { MAX_LANDMARK_DEPTH_RATIO, MIN_FACE_SIDE } from './limits';

/**
 * Server-side plausibility of the landmarks the browser sends with a photo. Face detection
 * itself runs in the browser (the tracker); the server cannot see faces without decoding
 * and running a model, so it checks that what it is told is one face that fits the photo:
 *   - exactly LANDMARK_COUNT points (a multiple of it means several faces, none means no face);
 *   - every coordinate finite; every x, y inside the displayed image;
 *   - the face is at least MIN_FACE_SIDE pixels across;
 *   - depth values within MAX_LANDMARK_DEPTH_RATIO face sizes;
 *   - the anatomy is in order: the eyes apart, the mouth farther from the brows than the eyes,
 *     the nose tip between the eye line and the mouth (for any head roll).
 */
export function checkLandmarks(flat: unknown, width: number, height: number): Float64Array {
  if (!Array.isArray(flat)) throw HolocallError.badRequest('landmarks must be a flat array of numbers');
  if (flat.length === 0) throw new HolocallError(ErrorCode.FaceNotFound, 'no face was found in the photo');
  if (flat.length % 3 !== 0) throw HolocallError.badRequest('landmarks must be [x, y, z] triples');
  const points = flat.length / 3;
  if (points !== LANDMARK_COUNT) {
    if (points % LANDMARK_COUNT === 0) {
      throw new HolocallError(ErrorCode.MultipleFaces, 'the photo must show exactly one face', {
        details: { faces: points / LANDMARK_COUNT },
      });
    }
    throw HolocallError.badRequest(`landmarks must have ${LANDMARK_COUNT} points`, { points });
  }
  const l = new Float64Array(flat.length);
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw HolocallError.badRequest('landmarks must be finite numbers', { index: i });
    }
    l[i] = v;
  }
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const x = l[3 * i]!;
    const y = l[3 * i + 1]!;
    if (x < 0 || y < 0 || x > width || y > height) {
      throw HolocallError.badRequest('landmarks fall outside the photo', { index: i, x, y, width, height });
    }
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const side = Math.max(maxX - minX, maxY - minY);
  if (side < MIN_FACE_SIDE) {
    throw new HolocallError(ErrorCode.FaceNotFound, `the face is too small (under ${MIN_FACE_SIDE} pixels across)`, {
      details: { side: Math.round(side), min: MIN_FACE_SIDE },
    });
  }
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    if (Math.abs(l[3 * i + 2]!) > MAX_LANDMARK_DEPTH_RATIO * side) {
      throw HolocallError.badRequest('landmark depth is implausible', { index: i });
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
  const implausible = (why: string) =>
    HolocallError.badRequest('landmarks do not describe a face', { reason: why }) as HolocallError;
  if (eyeGap < side * 0.1) throw implausible('eyes too close together');
  if (eyesToMouth < side * 0.1) throw implausible('mouth too close to the eyes');
  // Along the eyes-to-mouth axis, the nose tip lies between them (roll does not matter).
  const ax = (mouth[0] - eyes[0]) / eyesToMouth;
  const ay = (mouth[1] - eyes[1]) / eyesToMouth;
  const t = ((nose[0] - eyes[0]) * ax + (nose[1] - eyes[1]) * ay) / eyesToMouth;
  if (t < 0 || t > 1) throw implausible('nose not between the eyes and the mouth');
}
