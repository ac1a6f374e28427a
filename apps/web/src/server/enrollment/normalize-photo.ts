import { checkEnrollmentLandmarks } from '@holocall/face';
import { normalizeEnrollmentImage, orientPoint, swapsAxes } from '@holocall/face/node/image';
import type { EnrollmentImageType, ImageHeader } from '@holocall/protocol';

/** The photo as stored and sent to every call peer's inference node, with landmarks of that image. */
export interface NormalizedPhoto {
  bytes: Uint8Array;
  type: EnrollmentImageType;
  width: number;
  height: number;
  /** The tracker's landmarks (x, y, z per point) in pixels of `bytes`, checked there. */
  landmarks: Float64Array;
}

/**
 * Turns an uploaded photo (its header already checked) into what the web app stores: a plain
 * image of bounded size (@holocall/face/node/image's normalizeEnrollmentImage: the inference
 * node's own bounded decoder, EXIF orientation applied, at most NORMALIZED_PHOTO_SIDE, baseline
 * JPEG or non-interlaced PNG, metadata dropped), and the browser's landmarks carried into it.
 *
 * The browser measured the landmarks on the photo as it displayed it (createImageBitmap with
 * EXIF orientation applied, `display` its size); only a browser that ignored a quarter-turn
 * orientation reports the stored size, and then its landmarks are turned here like the pixels.
 * They are then scaled with the image and checked again on it (a face shrunk under
 * MIN_FACE_SIDE is refused now, not by every node later). Bombs and undecodable files are
 * refused with their enrollment reasons (photo_decode_budget, photo_too_many_scans,
 * photo_undecodable).
 */
export function normalizePhoto(
  photo: Uint8Array,
  header: ImageHeader,
  landmarks: ArrayLike<number>,
  display: { width: number; height: number },
): NormalizedPhoto {
  const image = normalizeEnrollmentImage(photo, header);
  const storedFrame =
    swapsAxes(header.orientation) &&
    header.width !== header.height &&
    display.width === header.width &&
    display.height === header.height;
  const out = new Float64Array(landmarks.length);
  for (let i = 0; i + 2 < landmarks.length; i += 3) {
    let x = landmarks[i]!;
    let y = landmarks[i + 1]!;
    if (storedFrame) [x, y] = orientPoint(x, y, header.orientation, header);
    out[i] = x * image.scale.x;
    out[i + 1] = y * image.scale.y;
    out[i + 2] = landmarks[i + 2]! * image.scale.x; // depth is in units of x
  }
  return {
    bytes: image.bytes,
    type: image.type,
    width: image.width,
    height: image.height,
    landmarks: checkEnrollmentLandmarks(out, image),
  };
}
