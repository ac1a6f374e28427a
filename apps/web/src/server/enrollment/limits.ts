/**
 * Enrollment limits, in one place; each has a test that crosses it (test/enrollment.test.ts).
 */

/** Largest photo file accepted. A 24-megapixel JPEG straight from a phone is about 8 MiB. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Most pixels a photo may have (checked from its header, before anything decodes it). */
export const MAX_PHOTO_PIXELS = 25_000_000;
/** Longest side; guards against 1 x 25,000,000 strips that pass the pixel limit. */
export const MAX_PHOTO_SIDE = 10_000;
/** Shortest side: the aligned crop is 512 x 512, and a face needs pixels to be one. */
export const MIN_PHOTO_SIDE = 256;
/** The aligned crop the browser sends along (FFHQ/EG3D alignment): a PNG of exactly this side. */
export const CROP_SIDE = 512;
export const MAX_CROP_BYTES = 2 * 1024 * 1024;
/** The whole multipart body: photo, crop, landmarks JSON and the multipart framing. */
export const MAX_ENROLL_BODY_BYTES = MAX_PHOTO_BYTES + MAX_CROP_BYTES + 256 * 1024;
/** A face narrower than this (landmark extent, in photo pixels) is too small to lift. */
export const MIN_FACE_SIDE = 64;
/** Landmark z (the mesh model's relative depth) is bounded by the face size; anything wilder is not a face. */
export const MAX_LANDMARK_DEPTH_RATIO = 4;
