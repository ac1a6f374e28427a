import { ENROLLMENT_LANDMARK_COUNT, HolocallError } from '@holocall/protocol';

/** Landmark space and image may differ in size (the tracker ran on a scaled copy), not in shape. */
export const MAX_LANDMARK_ASPECT_MISMATCH = 0.02;
/** A face narrower than this (landmark extent, image pixels) is too small to lift. */
export const MIN_FACE_PIXELS = 32;
/** Landmark z (the tracker's relative depth) is bounded by the face size; anything wilder is not a face. */
export const MAX_LANDMARK_DEPTH_RATIO = 4;

function bad(message: string, details: Record<string, unknown>): HolocallError {
  return HolocallError.badRequest(`enrollment landmarks: ${message}`, details);
}

/**
 * The tracker's landmarks (x, y, z per point, pixels of an image of `space` size) checked and
 * scaled to the decoded image: exactly 478 points, the same shape as the image, inside it (with
 * a margin), a face big enough to lift and a plausible depth. Returns a new array.
 */
export function landmarksForImage(
  landmarks: ArrayLike<number>,
  space: { width: number; height: number },
  image: { width: number; height: number },
): Float64Array {
  if (landmarks.length !== ENROLLMENT_LANDMARK_COUNT * 3) {
    throw bad(`${ENROLLMENT_LANDMARK_COUNT} points (x, y, z) required`, {
      reason: 'landmark_count',
      expected: ENROLLMENT_LANDMARK_COUNT,
      actual: landmarks.length / 3,
    });
  }
  const sx = image.width / space.width;
  const sy = image.height / space.height;
  if (Math.abs(sx / sy - 1) > MAX_LANDMARK_ASPECT_MISMATCH) {
    throw bad('their image size has another shape than the image sent (EXIF orientation?)', {
      reason: 'landmark_space',
      space,
      image: { width: image.width, height: image.height },
    });
  }
  const out = new Float64Array(landmarks.length);
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  let zMax = 0;
  for (let i = 0; i < landmarks.length; i += 3) {
    const x = (landmarks[i] as number) * sx;
    const y = (landmarks[i + 1] as number) * sy;
    const z = (landmarks[i + 2] as number) * sx;
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z))
      throw bad('not finite', { reason: 'not_finite' });
    out[i] = x;
    out[i + 1] = y;
    out[i + 2] = z;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
    zMax = Math.max(zMax, Math.abs(z));
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  if (cx < 0 || cy < 0 || cx > image.width || cy > image.height)
    throw bad('the face centre lies outside the image', { reason: 'outside_image' });
  const extent = Math.max(x1 - x0, y1 - y0);
  if (extent < MIN_FACE_PIXELS)
    throw bad(`face smaller than ${MIN_FACE_PIXELS} pixels`, { reason: 'face_too_small', extent });
  if (extent > 2 * Math.max(image.width, image.height))
    throw bad('face larger than twice the image', { reason: 'outside_image', extent });
  if (zMax > MAX_LANDMARK_DEPTH_RATIO * extent) throw bad('implausible depth', { reason: 'depth', zMax, extent });
  return out;
}
