import { MAX_PHOTO_BYTES } from './enrollment-limits';
import { MAX_PEERS_PER_ROOM } from './signaling-limits';

/**
 * Limits of the browser <-> local inference node protocol (message sizes, views, senders,
 * previews, the token's lifetime). Enrollment photo limits live in enrollment-limits.ts, the
 * driver frame's in limits.ts. Each has a test that crosses it (packages/protocol/test/inference-*.test.ts).
 */

export const INFERENCE_PROTOCOL_VERSION = 1;
/** UTF-8 bytes of one JSON control message (a flat camera is 25 numbers; nothing needs more). */
export const MAX_INFERENCE_JSON_BYTES = 16 * 1024;
/** Characters in an inference token. */
export const MAX_INFERENCE_TOKEN_LENGTH = 1024;
/** Longest lifetime the web app may give an inference token (a page stays open for a call). */
export const INFERENCE_TOKEN_MAX_TTL_SECONDS = 12 * 60 * 60;
/** Clock skew tolerated between the web app that mints and the node that checks. */
export const INFERENCE_TOKEN_CLOCK_SKEW_SECONDS = 30;
/** Time a new connection has to send a valid `hello`. */
export const INFERENCE_HELLO_TIMEOUT_MS = 5000;
/** Senders one connection may register (a room's peers). */
export const MAX_SENDERS_PER_CONNECTION = MAX_PEERS_PER_ROOM;
/** Side of one view, pixels. */
export const MAX_VIEW_SIDE = 2048;
/** Pixels of one rendered frame (flat view or whole quilt). */
export const MAX_RENDER_PIXELS = 4096 * 4096;
/** Receiver-side parallax offset of a flat view, radians (about 34 degrees). */
export const MAX_VIEW_OFFSET_RAD = 0.6;
/** The tri-plane an upload carries: the contract's [3, 32, 256, 256] float32, little-endian. */
export const TRIPLANE_UPLOAD_SHAPE = [3, 32, 256, 256] as const;
export const TRIPLANE_UPLOAD_FLOATS = 3 * 32 * 256 * 256;
/** Envelope header room: version, kind, peer id (1 + 64), avatar hash (1 + 128), pad length and pad (1 + 3). */
export const MAX_ENVELOPE_HEADER_BYTES = 2 + 65 + 129 + 4;
/** Largest binary message a client may send (a tri-plane upload; an enrollment envelope is smaller). */
export const MAX_INFERENCE_BINARY_BYTES = MAX_ENVELOPE_HEADER_BYTES + TRIPLANE_UPLOAD_FLOATS * 4;

/** Most points an enrollment envelope may carry (the decoder's bound; the node wants exactly 478). */
export const MAX_ENROLLMENT_LANDMARKS = 1024;
/** Largest enrollment envelope: header room, alignment pad, landmarks, image length and image. */
export const MAX_ENROLLMENT_ENVELOPE_BYTES =
  MAX_ENVELOPE_HEADER_BYTES + 8 + MAX_ENROLLMENT_LANDMARKS * 12 + 4 + MAX_PHOTO_BYTES;
/** Views of one enrollment preview (turntable). */
export const MAX_PREVIEW_VIEWS = 36;
/** Side of one preview view, pixels. */
export const MAX_PREVIEW_TILE_SIDE = 512;
/** Preview views span yaw ±maxYawDeg about the frontal view; at most this. */
export const MAX_PREVIEW_YAW_DEG = 60;
/** What a preview-avatar request gets for the fields it leaves out. */
export const PREVIEW_DEFAULTS = { maxYawDeg: 30, pitchDeg: 0, tileSize: 192, format: 'png' } as const;

/** Most rendered frames a page may let the node keep in flight (SetOutput.frameCredits). */
export const MAX_FRAME_CREDITS = 8;
