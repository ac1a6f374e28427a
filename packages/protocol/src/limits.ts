/**
 * Protocol-level limits of the driver-frame format and the camera helpers.
 * (Signaling limits live in signaling-limits.ts.)
 *
 * Each limit here has a test that crosses it (driver-frame.test.ts, camera.test.ts).
 */

/**
 * The largest driver frame of any kind, in bytes: what the SFU enforces on the data channel.
 * 1200 keeps every frame inside one SCTP chunk over DTLS on a typical 1280+ byte path MTU,
 * so a frame is never fragmented (a lost fragment would lose the whole unreliable message).
 */
export const MAX_DRIVER_FRAME_BYTES = 1200;

/** A compact frame (pose + landmark expression code of the maximum length) fits in this many bytes. */
export const COMPACT_DRIVER_FRAME_MAX_BYTES = 64;

/** The fixed part of every version-1 driver frame, before the expression payload (layout in driver-frame.ts). */
export const DRIVER_FRAME_HEADER_BYTES = 26;

/**
 * Most values a landmark expression code may hold: one int8 each, chosen so the longest
 * landmark frame is exactly COMPACT_DRIVER_FRAME_MAX_BYTES (26 + 38 = 64).
 */
export const MAX_LANDMARK_CODE_LENGTH = COMPACT_DRIVER_FRAME_MAX_BYTES - DRIVER_FRAME_HEADER_BYTES;

/** Most values a learned latent code may hold: two bytes (float16) each, 26 + 1024 = 1050 <= 1200. */
export const MAX_LATENT_CODE_LENGTH = 512;

/** Most views one quilt may ask for (Looking Glass presets use 24 to 100 views). */
export const MAX_QUILT_VIEWS = 128;
