import {
  type EnrollmentRejectReason,
  enrollmentRejectReason,
  MAX_PHOTO_BYTES,
  MIN_FACE_SIDE,
  MIN_PHOTO_SIDE,
} from '@holocall/protocol';

const MB = Math.round(MAX_PHOTO_BYTES / 1024 / 1024);

/**
 * What the enrollment page says for each refusal, whoever made it (this browser's checks, the
 * web server, the inference node): one table, in the person's words.
 */
export const ENROLLMENT_REFUSAL_MESSAGES: Readonly<Record<EnrollmentRejectReason, string>> = {
  photo_empty: 'The photo is empty.',
  photo_too_large: `The photo is over ${MB} MB.`,
  photo_too_many_pixels: 'The photo has too many pixels (over 25 megapixels).',
  photo_side_too_long: 'The photo is too long on one side.',
  photo_side_too_short: `The photo must be at least ${MIN_PHOTO_SIDE} pixels on each side.`,
  unsupported_type: 'That is not a JPEG or PNG image.',
  photo_truncated: 'The photo is incomplete: its header ends too soon.',
  photo_corrupt: 'The photo is damaged: its header cannot be read.',
  photo_undecodable: 'The photo could not be decoded.',
  photo_too_many_scans: 'The photo is stored in too many passes to decode. Save it again as an ordinary JPEG.',
  photo_decode_budget: 'The photo would take too much memory to decode. Save it again as an ordinary JPEG or PNG.',
  display_size_mismatch: 'The photo was shown at another size than it has. Try again.',
  crop_too_large: 'The aligned crop of the face is too large. Try again.',
  crop_not_aligned: 'The aligned crop of the face is not a 512 x 512 PNG. Try again.',
  landmarks_malformed: 'The face tracker gave unreadable results. Try again.',
  no_face: 'No face was found in the photo. Try one facing the camera, well lit.',
  several_faces: 'The photo must show exactly one face.',
  landmark_count: 'The face tracker found an incomplete face. Try a photo facing the camera.',
  landmarks_outside_photo: 'The face reaches past the edge of the photo. Try one with the whole face in it.',
  face_too_small: `The face is too small (under ${MIN_FACE_SIDE} pixels across). Try a closer photo.`,
  implausible_depth: 'That does not look like a face. Try a photo facing the camera.',
  implausible_anatomy: 'That does not look like a face. Try a photo facing the camera.',
  landmark_aspect: 'The photo and its face landmarks do not match. Try again.',
  camera_malformed: 'The camera estimate for the photo is unreadable. Try again.',
  photo_owned_by_another_account: 'This photo is already enrolled by someone else. Enroll a photo of yourself.',
  avatar_hash_mismatch: 'The photo sent to your inference node is not the enrolled one. Reload the page.',
};

/** The words for an enrollment refusal, or the error's own message for anything else. */
export function refusalMessage(error: unknown): string {
  const reason = enrollmentRejectReason(error);
  if (reason) return ENROLLMENT_REFUSAL_MESSAGES[reason];
  return error instanceof Error ? error.message : String(error);
}
