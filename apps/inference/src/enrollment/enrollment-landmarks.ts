import { checkEnrollmentLandmarks } from '@holocall/face';
import { MAX_LANDMARK_ASPECT_MISMATCH, refuseEnrollment } from '@holocall/protocol';

/**
 * The tracker's landmarks (x, y, z per point, pixels of an image of `space` size) scaled to the
 * decoded image and checked there by the one enrollment plausibility check (@holocall/face's
 * checkEnrollmentLandmarks, the web server's too): the landmark space must have the image's
 * shape (landmark_aspect), then the count, bounds, face size, depth and anatomy. Returns a new
 * array; throws the refuseEnrollment HolocallError of the first check that fails.
 */
export function landmarksForImage(
  landmarks: ArrayLike<number>,
  space: { width: number; height: number },
  image: { width: number; height: number },
): Float64Array {
  const sx = image.width / space.width;
  const sy = image.height / space.height;
  if (Math.abs(sx / sy - 1) > MAX_LANDMARK_ASPECT_MISMATCH) {
    throw refuseEnrollment(
      'landmark_aspect',
      'enrollment landmarks: their image size has another shape than the image sent (EXIF orientation?)',
      { space: { width: space.width, height: space.height }, image: { width: image.width, height: image.height } },
    );
  }
  // z is in the units of x (the tracker's relative depth scales with the image's width).
  const scaled = Float64Array.from(landmarks, (v, i) => v * (i % 3 === 1 ? sy : sx));
  return checkEnrollmentLandmarks(scaled, image);
}
