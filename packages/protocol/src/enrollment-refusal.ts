import { ErrorCode, HolocallError } from './errors';

/**
 * Why an enrollment photo, its crop or its landmarks were refused: details.reason of the
 * HolocallError that the browser's checks, the web server and the inference node throw, in
 * the same words everywhere (the browser shows one human message per reason). Each reason's
 * error code is in ENROLLMENT_REJECT_CODES below, the one table from reason to code.
 */
export type EnrollmentRejectReason =
  /** The photo has no bytes. */
  | 'photo_empty'
  /** Over MAX_PHOTO_BYTES. */
  | 'photo_too_large'
  /** Over MAX_PHOTO_PIXELS. */
  | 'photo_too_many_pixels'
  /** A side over MAX_PHOTO_SIDE. */
  | 'photo_side_too_long'
  /** A side under MIN_PHOTO_SIDE. */
  | 'photo_side_too_short'
  /** Not one of ENROLLMENT_IMAGE_TYPES, judged by content. */
  | 'unsupported_type'
  /** The header ends before its size could be read. */
  | 'photo_truncated'
  /** The header cannot be read (a known signature, then nonsense). */
  | 'photo_corrupt'
  /** The header was fine, the image data does not decode (inference node). */
  | 'photo_undecodable'
  /** A JPEG of more than MAX_JPEG_SCANS scans (refused before decoding). */
  | 'photo_too_many_scans'
  /** Decoding would take more memory than the image's declared size needs (a PNG whose data inflates past it, a JPEG over the decoder's budget). */
  | 'photo_decode_budget'
  /** The size the browser says it displayed is not the photo's (web server). */
  | 'display_size_mismatch'
  /** The aligned crop is over MAX_CROP_BYTES. */
  | 'crop_too_large'
  /** The aligned crop is not a CROP_SIDE x CROP_SIDE PNG. */
  | 'crop_not_aligned'
  /** Landmarks are not a flat array of finite [x, y, z] numbers. */
  | 'landmarks_malformed'
  /** No landmarks at all: the tracker found no face. */
  | 'no_face'
  /** Landmarks of several faces (a multiple of LANDMARK_COUNT points). */
  | 'several_faces'
  /** Any other number of points than LANDMARK_COUNT. */
  | 'landmark_count'
  /** A point lies outside the image the landmarks describe. */
  | 'landmarks_outside_photo'
  /** The face is under MIN_FACE_SIDE pixels across. */
  | 'face_too_small'
  /** A depth beyond MAX_LANDMARK_DEPTH_RATIO face sizes. */
  | 'implausible_depth'
  /** The eyes, nose and mouth are not where a face has them. */
  | 'implausible_anatomy'
  /** The landmarks' image has another shape than the image sent (over MAX_LANDMARK_ASPECT_MISMATCH). */
  | 'landmark_aspect'
  /** The source camera is not 25 finite numbers (web server). */
  | 'camera_malformed'
  /** This photo is another account's enrolled photo (web server): nobody enrolls someone else's face. */
  | 'photo_owned_by_another_account'
  /** The envelope's image and landmarks do not hash to the avatar hash it declares (inference node; avatar-hash.ts). */
  | 'avatar_hash_mismatch';

/** The error code each refusal travels under (and so its HTTP status, through errors.ts). */
export const ENROLLMENT_REJECT_CODES: Readonly<Record<EnrollmentRejectReason, ErrorCode>> = {
  photo_empty: ErrorCode.BadRequest,
  photo_too_large: ErrorCode.TooLarge,
  photo_too_many_pixels: ErrorCode.TooLarge,
  photo_side_too_long: ErrorCode.TooLarge,
  photo_side_too_short: ErrorCode.BadRequest,
  unsupported_type: ErrorCode.UnsupportedMedia,
  photo_truncated: ErrorCode.BadRequest,
  photo_corrupt: ErrorCode.BadRequest,
  photo_undecodable: ErrorCode.BadRequest,
  photo_too_many_scans: ErrorCode.TooLarge,
  photo_decode_budget: ErrorCode.TooLarge,
  display_size_mismatch: ErrorCode.BadRequest,
  crop_too_large: ErrorCode.TooLarge,
  crop_not_aligned: ErrorCode.BadRequest,
  landmarks_malformed: ErrorCode.BadRequest,
  no_face: ErrorCode.FaceNotFound,
  several_faces: ErrorCode.MultipleFaces,
  landmark_count: ErrorCode.BadRequest,
  landmarks_outside_photo: ErrorCode.BadRequest,
  face_too_small: ErrorCode.FaceNotFound,
  implausible_depth: ErrorCode.BadRequest,
  implausible_anatomy: ErrorCode.BadRequest,
  landmark_aspect: ErrorCode.BadRequest,
  camera_malformed: ErrorCode.BadRequest,
  photo_owned_by_another_account: ErrorCode.Conflict,
  avatar_hash_mismatch: ErrorCode.BadRequest,
};

export const ENROLLMENT_REJECT_REASONS = Object.keys(ENROLLMENT_REJECT_CODES) as EnrollmentRejectReason[];

export function isEnrollmentRejectReason(value: unknown): value is EnrollmentRejectReason {
  return typeof value === 'string' && Object.hasOwn(ENROLLMENT_REJECT_CODES, value);
}

/** An enrollment refusal: the reason's error code, details.reason set (and any other safe details). */
export function refuseEnrollment(
  reason: EnrollmentRejectReason,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): HolocallError {
  return new HolocallError(ENROLLMENT_REJECT_CODES[reason], message, { details: { ...details, reason }, cause });
}

/** A refusal for a value over its limit, with the details of HolocallError.tooLarge ({ what, limit, actual }). */
export function refuseOverLimit(reason: EnrollmentRejectReason, what: string, limit: number, actual: number) {
  return refuseEnrollment(reason, `${what} is ${actual}, over the limit of ${limit}`, { what, limit, actual });
}

/** The enrollment reason an error carries (a HolocallError, or a wire error's details), if any. */
export function enrollmentRejectReason(error: unknown): EnrollmentRejectReason | null {
  const details = (error as { details?: { reason?: unknown } } | null)?.details;
  return isEnrollmentRejectReason(details?.reason) ? details.reason : null;
}
