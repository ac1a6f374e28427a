/**
 * Enrollment limits, in one place for the browser's checks, the web server and the inference
 * node. They must agree: a photo the web app accepts is sent, as stored, to every call peer's
 * inference node, and a node that refused it would leave that person without an avatar.
 * Where the copies had drifted the stricter value was kept (MIN_PHOTO_SIDE 256 not 128,
 * MIN_FACE_SIDE 64 not 32; the accepted types are the two the node decodes).
 *
 * Each limit has a test that crosses it (packages/protocol/test/enrollment-image.test.ts,
 * packages/face/test/landmark-plausibility.test.ts, apps/web/test/enrollment.test.ts,
 * apps/inference/test/enrollment*.test.ts).
 */

/**
 * Image types an enrollment photo may have, judged by its content: the two the inference node
 * decodes (a WebP the browser shows would be refused by every node, so the web app refuses it).
 */
export const ENROLLMENT_IMAGE_TYPES = ['image/jpeg', 'image/png'] as const;
export type EnrollmentImageType = (typeof ENROLLMENT_IMAGE_TYPES)[number];

/** Largest photo file accepted. A 24-megapixel JPEG straight from a phone is about 8 MiB. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Most pixels a photo may have (checked from its header, before anything decodes it). */
export const MAX_PHOTO_PIXELS = 25_000_000;
/** Longest side; guards against 1 x 25,000,000 strips that pass the pixel limit. */
export const MAX_PHOTO_SIDE = 10_000;
/** Shortest side: the aligned crop is 512 x 512, and a face needs pixels to be one. */
export const MIN_PHOTO_SIDE = 256;

/**
 * Most scans (SOS segments) a JPEG photo may have. Encoders write one (baseline) or about ten
 * (libjpeg's progressive script); a decoder walks every block once per scan, so a progressive
 * JPEG of thousands of tiny scans pins a core for minutes from a few hundred kilobytes.
 */
export const MAX_JPEG_SCANS = 100;
/**
 * The web app stores photos re-encoded as plain (baseline, non-interlaced) images no longer
 * than this on their longest side, so every inference node decodes a bounded, plain image.
 */
export const NORMALIZED_PHOTO_SIDE = 2048;

/** The aligned crop the browser sends along (FFHQ/EG3D alignment): a PNG of exactly this side. */
export const CROP_SIDE = 512;
/** Largest aligned crop file (a 512 x 512 RGBA PNG is at most about 1 MiB). */
export const MAX_CROP_BYTES = 2 * 1024 * 1024;
/** The whole multipart body of an enrollment: photo, crop, landmarks JSON and the multipart framing. */
export const MAX_ENROLL_BODY_BYTES = MAX_PHOTO_BYTES + MAX_CROP_BYTES + 256 * 1024;

/** Points the face tracker gives (468 mesh + 10 iris), x, y, z each: what the lift needs. */
export const LANDMARK_COUNT = 478;
/** A face narrower than this (landmark extent, in pixels of the image they describe) is too small to lift. */
export const MIN_FACE_SIDE = 64;
/** Landmark z (the tracker's relative depth) is bounded by the face size; anything wilder is not a face. */
export const MAX_LANDMARK_DEPTH_RATIO = 4;
/**
 * Landmarks measured on a scaled copy of the image may differ from it in size, not in shape:
 * the two scale factors may differ by this fraction at most (EXIF orientation applied on one
 * side only is the usual cause).
 */
export const MAX_LANDMARK_ASPECT_MISMATCH = 0.02;
