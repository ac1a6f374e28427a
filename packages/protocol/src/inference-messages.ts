import { z } from 'zod';
import { HolocallError } from './errors';
import { MAX_DRIVER_FRAME_BYTES, MAX_QUILT_VIEWS } from './limits';
import { Id } from './signaling';
import { MAX_PEERS_PER_ROOM } from './signaling-limits';

/**
 * Every message between a receiver's browser and its local inference node (a WebSocket on
 * 127.0.0.1), validated where it enters the node.
 *
 * Text frames carry JSON control messages (discriminated unions on `type`). Binary frames
 * carry a small envelope (version, kind, peer id) around either a driver frame exactly as it
 * arrived from the SFU, or a sender's tri-plane; the node answers with binary rendered frames.
 *
 * Authentication: the connection's Origin must be one of the node's allowed origins (checked
 * at the HTTP upgrade), and the first message must be `hello` with a token the web app minted
 * for this page (mintInferenceToken below: HMAC-SHA256 with the INFERENCE_SECRET that the web
 * app and the node share, an expiry, and the origin it was minted for). Nothing else is
 * accepted before it; a connection without a valid hello within INFERENCE_HELLO_TIMEOUT_MS
 * is closed.
 */

// ---------------------------------------------------------------------------------------------
// Limits

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

/** Bytes of the image in an enrollment envelope (the enrolled photo, PNG or JPEG; the web app's photo limit). */
export const MAX_ENROLLMENT_IMAGE_BYTES = 10 * 1024 * 1024;
/** Pixels of that image (checked from its header, before anything decodes it). */
export const MAX_ENROLLMENT_IMAGE_PIXELS = 25_000_000;
/** Longest side of that image (guards against thin strips that pass the pixel limit). */
export const MAX_ENROLLMENT_IMAGE_SIDE = 10_000;
/** Shortest side: a face needs pixels to be lifted. */
export const MIN_ENROLLMENT_IMAGE_SIDE = 128;
/** Points the face tracker gives (468 mesh + 10 iris), x, y, z each: what the lift needs. */
export const ENROLLMENT_LANDMARK_COUNT = 478;
/** Most points an enrollment envelope may carry (the decoder's bound; the node wants exactly 478). */
export const MAX_ENROLLMENT_LANDMARKS = 1024;
/** Largest enrollment envelope: header room, alignment pad, landmarks, image length and image. */
export const MAX_ENROLLMENT_ENVELOPE_BYTES =
  MAX_ENVELOPE_HEADER_BYTES + 8 + MAX_ENROLLMENT_LANDMARKS * 12 + 4 + MAX_ENROLLMENT_IMAGE_BYTES;
/** Views of one enrollment preview (turntable). */
export const MAX_PREVIEW_VIEWS = 36;
/** Side of one preview view, pixels. */
export const MAX_PREVIEW_TILE_SIDE = 512;
/** Preview views span yaw ±maxYawDeg about the frontal view; at most this. */
export const MAX_PREVIEW_YAW_DEG = 60;
/** What a preview-avatar request gets for the fields it leaves out. */
export const PREVIEW_DEFAULTS = { maxYawDeg: 30, pitchDeg: 0, tileSize: 192, format: 'png' } as const;

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Content hash of an avatar (hex, e.g. SHA-256 of the enrollment photo or tri-plane). */
export const AvatarHash = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[0-9a-f]+$/, 'must be lowercase hex');

export const QualitySetting = z.enum(['interactive', 'balanced', 'high', 'auto']);
export type QualitySetting = z.infer<typeof QualitySetting>;

export const OutputFormat = z.enum(['rgba', 'png', 'jpeg']);
export type OutputFormat = z.infer<typeof OutputFormat>;

const ViewSide = z.number().int().min(16).max(MAX_VIEW_SIDE);
const Camera25 = z.array(z.number().finite()).length(25);

/** One view per sender: the sender's pose (optionally moved by the receiver's own head), or a fixed camera. */
export const FlatView = z.strictObject({
  kind: z.literal('flat'),
  width: ViewSide,
  height: ViewSide,
  /** A fixed 25-float camera; when absent the camera follows the sender's head pose. */
  camera: Camera25.optional(),
  /** Motion parallax: the receiver's head moves the virtual camera by this much (radians). */
  offset: z
    .strictObject({
      yaw: z.number().min(-MAX_VIEW_OFFSET_RAD).max(MAX_VIEW_OFFSET_RAD),
      pitch: z.number().min(-MAX_VIEW_OFFSET_RAD).max(MAX_VIEW_OFFSET_RAD),
    })
    .optional(),
});
export type FlatView = z.infer<typeof FlatView>;

/** A Looking Glass quilt: cols x rows views across `viewConeDeg`, view 0 bottom-left and leftmost. */
export const QuiltView = z
  .strictObject({
    kind: z.literal('quilt'),
    cols: z.number().int().min(1).max(MAX_QUILT_VIEWS),
    rows: z.number().int().min(1).max(MAX_QUILT_VIEWS),
    viewConeDeg: z.number().min(0).max(90),
    tileWidth: ViewSide,
    tileHeight: ViewSide,
    /** Centre the cone on the sender's head pose (default) or on the frontal view. */
    followPose: z.boolean().optional(),
  })
  .refine((q) => q.cols * q.rows <= MAX_QUILT_VIEWS, `at most ${MAX_QUILT_VIEWS} views`)
  .refine((q) => q.cols * q.rows * q.tileWidth * q.tileHeight <= MAX_RENDER_PIXELS, 'quilt is too large');
export type QuiltView = z.infer<typeof QuiltView>;

export const ViewSpec = z.union([FlatView, QuiltView]);
export type ViewSpec = z.infer<typeof ViewSpec>;

// ---------------------------------------------------------------------------------------------
// Browser -> inference node (JSON)

export const InferenceHello = z.strictObject({
  type: z.literal('hello'),
  protocolVersion: z.literal(INFERENCE_PROTOCOL_VERSION),
  token: z.string().min(1).max(MAX_INFERENCE_TOKEN_LENGTH),
});

/**
 * Starts rendering a peer. `source`: 'cache' uses a tri-plane the node already holds for this
 * avatar hash; 'upload' waits for a binary `triplane` envelope for this peer; 'synthetic-head'
 * uses the node's built-in synthetic test head (a demo sender, not a person); 'enrollment'
 * uses the cached lift of this avatar when there is one (`registered` with cacheHit true),
 * else waits for a binary `enrollment` envelope (the enrolled photo or its aligned crop and
 * the tracker's 478 landmarks), lifts it once per avatar hash (`register-progress` while it
 * runs) and answers `registered` again when the peer can render.
 */
export const RegisterSource = z.enum(['cache', 'upload', 'synthetic-head', 'enrollment']);
export type RegisterSource = z.infer<typeof RegisterSource>;

export const RegisterSender = z.strictObject({
  type: z.literal('register-sender'),
  peerId: Id,
  avatarHash: AvatarHash,
  source: RegisterSource,
});

export const UnregisterSender = z.strictObject({ type: z.literal('unregister-sender'), peerId: Id });

/** Sets the view for one peer, or for every peer (present and future) when peerId is absent. */
export const SetView = z.strictObject({ type: z.literal('set-view'), peerId: Id.optional(), view: ViewSpec });

export const SetQuality = z.strictObject({
  type: z.literal('set-quality'),
  level: QualitySetting,
  /** Frame rate the adaptive level aims for. */
  targetFps: z.number().min(5).max(120).optional(),
});

export const SetOutput = z.strictObject({
  type: z.literal('set-output'),
  format: OutputFormat,
  jpegQuality: z.number().int().min(1).max(100).optional(),
});

/**
 * The enrollment page's "what others will see": a turntable of `views` renders of this avatar,
 * yaw evenly over ±maxYawDeg (view 0 leftmost), neutral expression. Answered `preview-started`;
 * when that says awaitingImage, send a binary `enrollment` envelope with purpose 'preview' and
 * id = requestId. Then `preview-progress`, one binary rendered frame (peer id = requestId,
 * layout quilt, cols = views, rows = 1: the sprite) and `preview-done`. The lift is cached under
 * the avatar hash like a registration's, so a later register-sender is a cache hit.
 */
export const PreviewAvatar = z.strictObject({
  type: z.literal('preview-avatar'),
  requestId: Id,
  avatarHash: AvatarHash,
  views: z.number().int().min(1).max(MAX_PREVIEW_VIEWS),
  maxYawDeg: z.number().min(0).max(MAX_PREVIEW_YAW_DEG).optional(),
  pitchDeg: z.number().min(-30).max(30).optional(),
  tileSize: z.number().int().min(32).max(MAX_PREVIEW_TILE_SIDE).optional(),
  format: z.enum(['png', 'jpeg']).optional(),
});
export type PreviewAvatar = z.infer<typeof PreviewAvatar>;

export const GetStats = z.strictObject({ type: z.literal('get-stats') });
export const InferencePing = z.strictObject({ type: z.literal('ping'), nonce: z.number().int().optional() });

export const InferenceClientMessage = z.discriminatedUnion('type', [
  InferenceHello,
  RegisterSender,
  UnregisterSender,
  SetView,
  SetQuality,
  SetOutput,
  PreviewAvatar,
  GetStats,
  InferencePing,
]);
export type InferenceClientMessage = z.infer<typeof InferenceClientMessage>;

// ---------------------------------------------------------------------------------------------
// Inference node -> browser (JSON)

export const InferenceNodeInfo = z.strictObject({
  renderer: z.string().max(64),
  executionProvider: z.string().max(32),
  reenact: z.string().max(64),
  /** True when any stage runs generated (untrained) weights: its images are not a person. */
  untrained: z.boolean(),
  threads: z.number().int().min(0),
  /**
   * The expression model, for the UI to name it: with the default reference backend the label
   * says it is the classical reference model (no trained weights).
   */
  backend: z.strictObject({ id: z.string().max(64), label: z.string().max(200), trained: z.boolean() }).optional(),
});

export const InferenceWelcome = z.strictObject({
  type: z.literal('welcome'),
  protocolVersion: z.literal(INFERENCE_PROTOCOL_VERSION),
  node: InferenceNodeInfo,
  limits: z.strictObject({
    maxSenders: z.number().int(),
    maxRenderPixels: z.number().int(),
    maxBinaryBytes: z.number().int(),
  }),
});

export const SenderRegistered = z.strictObject({
  type: z.literal('registered'),
  peerId: Id,
  avatarHash: AvatarHash,
  /** The tri-plane was already cached: no upload needed. */
  cacheHit: z.boolean(),
  /** Waiting for the tri-plane upload (source 'upload') or the enrollment envelope (source 'enrollment'). */
  awaitingUpload: z.boolean(),
  /** Set when this registration ran the lift (ms it took, in the lift worker). */
  liftMs: z.number().min(0).optional(),
});

/** Where a lift stands: queued for the lift worker, then decode, align, lift, prepare (and render for previews), done. */
export const LiftStageName = z.enum(['queued', 'decode', 'align', 'lift', 'prepare', 'render', 'done']);
export type LiftStageName = z.infer<typeof LiftStageName>;

/** Progress of a registration's lift; `fraction` (0..1) is of the whole and never goes back. */
export const RegisterProgress = z.strictObject({
  type: z.literal('register-progress'),
  peerId: Id,
  avatarHash: AvatarHash,
  stage: LiftStageName,
  fraction: z.number().min(0).max(1),
});

export const PreviewStarted = z.strictObject({
  type: z.literal('preview-started'),
  requestId: Id,
  avatarHash: AvatarHash,
  /** The avatar was already lifted here: no image needed, rendering starts now. */
  cacheHit: z.boolean(),
  /** Send the binary enrollment envelope (purpose 'preview', id = requestId). */
  awaitingImage: z.boolean(),
});

export const PreviewProgress = z.strictObject({
  type: z.literal('preview-progress'),
  requestId: Id,
  stage: LiftStageName,
  fraction: z.number().min(0).max(1),
});

/** Follows the preview's binary sprite (rendered frame with peer id = requestId). */
export const PreviewDone = z.strictObject({
  type: z.literal('preview-done'),
  requestId: Id,
  avatarHash: AvatarHash,
  views: z.number().int(),
  cols: z.number().int(),
  rows: z.number().int(),
  tileWidth: z.number().int(),
  tileHeight: z.number().int(),
  format: z.enum(['png', 'jpeg']),
  /** Yaw of each view, degrees (view 0 leftmost as the viewer sees it). */
  yawsDeg: z.array(z.number()),
  pitchDeg: z.number(),
  /** False when the avatar came from the cache. */
  lifted: z.boolean(),
  liftMs: z.number().min(0),
  renderMs: z.number().min(0),
});

export const SenderUnregistered = z.strictObject({ type: z.literal('unregistered'), peerId: Id });

/** Acknowledges set-view, set-quality and set-output. */
export const InferenceOk = z.strictObject({ type: z.literal('ok'), inReplyTo: z.string().max(32) });

export const QualityChanged = z.strictObject({
  type: z.literal('quality'),
  level: z.enum(['interactive', 'balanced', 'high']),
  auto: z.boolean(),
  /** Smoothed frame time that led to the change, ms. */
  frameMs: z.number(),
});

export const InferenceStatsMessage = z.strictObject({
  type: z.literal('stats'),
  stats: z.record(z.string(), z.unknown()),
});

export const InferenceErrorMessage = z.strictObject({
  type: z.literal('error'),
  code: z.string().max(32),
  message: z.string().max(512),
  details: z.record(z.string(), z.unknown()).optional(),
  /** The `type` of the message that failed, when it could be read. */
  inReplyTo: z.string().max(32).optional(),
});

export const InferencePong = z.strictObject({ type: z.literal('pong'), nonce: z.number().int().optional() });

export const InferenceNodeMessage = z.discriminatedUnion('type', [
  InferenceWelcome,
  SenderRegistered,
  RegisterProgress,
  SenderUnregistered,
  PreviewStarted,
  PreviewProgress,
  PreviewDone,
  InferenceOk,
  QualityChanged,
  InferenceStatsMessage,
  InferenceErrorMessage,
  InferencePong,
]);
export type InferenceNodeMessage = z.infer<typeof InferenceNodeMessage>;

// ---------------------------------------------------------------------------------------------
// Binary envelopes

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_KIND = { driverFrame: 1, triplane: 2, enrollment: 3, renderedFrame: 0x81 } as const;
/** Byte 2 of an enrollment envelope: what the lift is for. */
export const ENROLLMENT_PURPOSE_TAG = { register: 0, preview: 1 } as const;
const ENROLLMENT_PURPOSE_BY_TAG = ['register', 'preview'] as const;
export type EnrollmentPurpose = (typeof ENROLLMENT_PURPOSE_BY_TAG)[number];

/**
 * An enrolled face for the node to lift: the photo (or its aligned crop), PNG or JPEG bytes as
 * stored, and the tracker's landmarks (x, y, z per point, in pixels of an image of
 * `landmarkSpace` size: the node scales them to the decoded image when the sizes differ).
 */
export interface EnrollmentUpload {
  purpose: EnrollmentPurpose;
  /** The peer id of a register-sender (purpose 'register') or the requestId of a preview-avatar. */
  id: string;
  avatarHash: string;
  landmarkSpace: { width: number; height: number };
  /** points * 3 floats. */
  landmarks: Float32Array;
  image: Uint8Array;
}
export const OUTPUT_FORMAT_TAG: Record<OutputFormat, number> = { rgba: 0, png: 1, jpeg: 2 };
const OUTPUT_FORMAT_BY_TAG: OutputFormat[] = ['rgba', 'png', 'jpeg'];
export const QUALITY_LEVEL_TAG = { interactive: 0, balanced: 1, high: 2 } as const;
const QUALITY_BY_TAG = ['interactive', 'balanced', 'high'] as const;

export type InferenceEnvelope =
  | { kind: 'driver-frame'; peerId: string; frame: Uint8Array }
  | { kind: 'triplane'; peerId: string; avatarHash: string; data: Float32Array }
  | ({ kind: 'enrollment' } & EnrollmentUpload);

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const HASH_PATTERN = /^[0-9a-f]{16,128}$/;
const ascii = new TextDecoder('ascii');
const asciiEncoder = new TextEncoder();

function malformed(reason: string, details?: Record<string, unknown>): HolocallError {
  return HolocallError.malformedFrame(`inference envelope: ${reason}`, { reason, ...details });
}

function readShortString(bytes: Uint8Array, at: number, pattern: RegExp, what: string): [string, number] {
  if (at >= bytes.length) throw malformed('truncated', { field: what });
  const len = bytes[at]!;
  if (at + 1 + len > bytes.length) throw malformed('truncated', { field: what });
  const value = ascii.decode(bytes.subarray(at + 1, at + 1 + len));
  if (!pattern.test(value)) throw malformed('bad_field', { field: what });
  return [value, at + 1 + len];
}

function writeShortString(out: Uint8Array, at: number, value: string): number {
  const bytes = asciiEncoder.encode(value);
  out[at] = bytes.length;
  out.set(bytes, at + 1);
  return at + 1 + bytes.length;
}

/** Wraps a driver frame (bytes as received from the SFU) for the inference node. */
export function encodeDriverFrameEnvelope(peerId: string, frame: Uint8Array): Uint8Array {
  if (!ID_PATTERN.test(peerId)) throw HolocallError.badRequest('peerId is not a valid id');
  if (frame.length > MAX_DRIVER_FRAME_BYTES)
    throw HolocallError.tooLarge('driver frame bytes', MAX_DRIVER_FRAME_BYTES, frame.length);
  const out = new Uint8Array(3 + peerId.length + frame.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = ENVELOPE_KIND.driverFrame;
  const at = writeShortString(out, 2, peerId);
  out.set(frame, at);
  return out;
}

/** Wraps a [3, 32, 256, 256] float32 tri-plane upload for a registered peer. */
export function encodeTriplaneEnvelope(peerId: string, avatarHash: string, data: Float32Array): Uint8Array {
  if (!ID_PATTERN.test(peerId)) throw HolocallError.badRequest('peerId is not a valid id');
  if (!HASH_PATTERN.test(avatarHash)) throw HolocallError.badRequest('avatarHash is not lowercase hex');
  if (data.length !== TRIPLANE_UPLOAD_FLOATS) throw HolocallError.badRequest('tri-plane must be 3x32x256x256 floats');
  const header = 5 + peerId.length + avatarHash.length; // version, kind, two lengths, pad length
  // Pad the header so the floats start 4-byte aligned (the node reads them in place).
  const pad = (4 - (header % 4)) % 4;
  const out = new Uint8Array(header + pad + data.byteLength);
  out[0] = ENVELOPE_VERSION;
  out[1] = ENVELOPE_KIND.triplane;
  let at = writeShortString(out, 2, peerId);
  at = writeShortString(out, at, avatarHash);
  out[at] = pad;
  at += 1 + pad;
  if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  else {
    const floats = new DataView(out.buffer, at);
    for (let i = 0; i < data.length; i++) floats.setFloat32(i * 4, data[i]!, true);
  }
  return out;
}

/**
 * Wraps an enrolled image and its landmarks. Layout after version and kind: purpose u8, id and
 * avatar hash (u8 length + ASCII each), landmark space width and height (u16 LE each), point
 * count (u16 LE), pad length u8 + pad (the floats start 4-byte aligned), points * 3 float32 LE,
 * image length (u32 LE), image bytes (exactly the rest).
 */
export function encodeEnrollmentEnvelope(upload: EnrollmentUpload): Uint8Array {
  const { purpose, id, avatarHash, landmarkSpace, landmarks, image } = upload;
  if (!(purpose in ENROLLMENT_PURPOSE_TAG)) throw HolocallError.badRequest('purpose must be register or preview');
  if (!ID_PATTERN.test(id)) throw HolocallError.badRequest('id is not a valid id');
  if (!HASH_PATTERN.test(avatarHash)) throw HolocallError.badRequest('avatarHash is not lowercase hex');
  for (const side of [landmarkSpace?.width, landmarkSpace?.height]) {
    if (!Number.isInteger(side) || side < 1 || side > 0xffff)
      throw HolocallError.badRequest('landmarkSpace sides must be integers in [1, 65535]');
  }
  if (landmarks.length === 0 || landmarks.length % 3 !== 0)
    throw HolocallError.badRequest('landmarks must be x, y, z triples');
  const points = landmarks.length / 3;
  if (points > MAX_ENROLLMENT_LANDMARKS)
    throw HolocallError.tooLarge('landmark points', MAX_ENROLLMENT_LANDMARKS, points);
  if (image.length === 0) throw HolocallError.badRequest('image is empty');
  if (image.length > MAX_ENROLLMENT_IMAGE_BYTES)
    throw HolocallError.tooLarge('enrollment image bytes', MAX_ENROLLMENT_IMAGE_BYTES, image.length);
  const header = 3 + 1 + id.length + 1 + avatarHash.length + 6 + 1;
  const pad = (4 - (header % 4)) % 4;
  const out = new Uint8Array(header + pad + landmarks.length * 4 + 4 + image.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = ENVELOPE_KIND.enrollment;
  out[2] = ENROLLMENT_PURPOSE_TAG[purpose];
  let at = writeShortString(out, 3, id);
  at = writeShortString(out, at, avatarHash);
  const view = new DataView(out.buffer);
  view.setUint16(at, landmarkSpace.width, true);
  view.setUint16(at + 2, landmarkSpace.height, true);
  view.setUint16(at + 4, points, true);
  at += 6;
  out[at] = pad;
  at += 1 + pad;
  for (let i = 0; i < landmarks.length; i++) view.setFloat32(at + 4 * i, landmarks[i]!, true);
  at += landmarks.length * 4;
  view.setUint32(at, image.length, true);
  out.set(image, at + 4);
  return out;
}

function decodeEnrollment(bytes: Uint8Array): InferenceEnvelope {
  if (bytes.length < 3) throw malformed('truncated');
  const purpose = ENROLLMENT_PURPOSE_BY_TAG[bytes[2]!];
  if (purpose === undefined) throw malformed('bad_field', { field: 'purpose' });
  const [id, afterId] = readShortString(bytes, 3, ID_PATTERN, 'id');
  const [avatarHash, afterHash] = readShortString(bytes, afterId, HASH_PATTERN, 'avatarHash');
  let at = afterHash;
  if (at + 7 > bytes.length) throw malformed('truncated', { field: 'landmarks' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint16(at, true);
  const height = view.getUint16(at + 2, true);
  const points = view.getUint16(at + 4, true);
  if (width === 0 || height === 0) throw malformed('bad_field', { field: 'landmarkSpace' });
  if (points === 0) throw malformed('bad_field', { field: 'points' });
  if (points > MAX_ENROLLMENT_LANDMARKS)
    throw HolocallError.tooLarge('landmark points', MAX_ENROLLMENT_LANDMARKS, points);
  at += 6;
  const pad = bytes[at]!;
  if (pad > 3) throw malformed('bad_field', { field: 'pad' });
  at += 1 + pad;
  if (at + points * 12 + 4 > bytes.length) throw malformed('truncated', { field: 'landmarks' });
  const landmarks = new Float32Array(points * 3);
  for (let i = 0; i < landmarks.length; i++) {
    const v = view.getFloat32(at + 4 * i, true);
    if (!Number.isFinite(v)) throw malformed('out_of_range', { field: 'landmarks', index: i });
    landmarks[i] = v;
  }
  at += points * 12;
  const imageBytes = view.getUint32(at, true);
  at += 4;
  if (imageBytes > MAX_ENROLLMENT_IMAGE_BYTES)
    throw HolocallError.tooLarge('enrollment image bytes', MAX_ENROLLMENT_IMAGE_BYTES, imageBytes);
  if (imageBytes === 0 || at + imageBytes !== bytes.length)
    throw malformed('bad_length', { field: 'image', expected: imageBytes, actual: bytes.length - at });
  return {
    kind: 'enrollment',
    purpose,
    id,
    avatarHash,
    landmarkSpace: { width, height },
    landmarks,
    image: bytes.subarray(at),
  };
}

/** Decodes a client binary message; throws HolocallError(malformed_frame | too_large). */
export function decodeInferenceEnvelope(bytes: Uint8Array): InferenceEnvelope {
  if (!(bytes instanceof Uint8Array)) throw malformed('not_bytes');
  if (bytes.length > MAX_INFERENCE_BINARY_BYTES)
    throw HolocallError.tooLarge('binary message bytes', MAX_INFERENCE_BINARY_BYTES, bytes.length);
  if (bytes.length < 3) throw malformed('truncated');
  if (bytes[0] !== ENVELOPE_VERSION) throw malformed('bad_version', { version: bytes[0] });
  const kind = bytes[1];
  if (kind === ENVELOPE_KIND.driverFrame) {
    const [peerId, at] = readShortString(bytes, 2, ID_PATTERN, 'peerId');
    const frame = bytes.subarray(at);
    if (frame.length === 0) throw malformed('truncated', { field: 'frame' });
    if (frame.length > MAX_DRIVER_FRAME_BYTES)
      throw HolocallError.tooLarge('driver frame bytes', MAX_DRIVER_FRAME_BYTES, frame.length);
    return { kind: 'driver-frame', peerId, frame };
  }
  if (kind === ENVELOPE_KIND.triplane) {
    const [peerId, afterPeer] = readShortString(bytes, 2, ID_PATTERN, 'peerId');
    const [avatarHash, afterHash] = readShortString(bytes, afterPeer, HASH_PATTERN, 'avatarHash');
    let at = afterHash;
    if (at >= bytes.length) throw malformed('truncated', { field: 'pad' });
    const pad = bytes[at]!;
    if (pad > 3) throw malformed('bad_field', { field: 'pad' });
    at += 1 + pad;
    const body = bytes.length - at;
    if (body !== TRIPLANE_UPLOAD_FLOATS * 4)
      throw malformed('bad_length', { expected: TRIPLANE_UPLOAD_FLOATS * 4, actual: body });
    const data = new Float32Array(TRIPLANE_UPLOAD_FLOATS);
    if (LITTLE_ENDIAN && (bytes.byteOffset + at) % 4 === 0) {
      data.set(new Float32Array(bytes.buffer, bytes.byteOffset + at, TRIPLANE_UPLOAD_FLOATS));
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, body);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw malformed('out_of_range', { index: i });
    }
    return { kind: 'triplane', peerId, avatarHash, data };
  }
  if (kind === ENVELOPE_KIND.enrollment) return decodeEnrollment(bytes);
  throw malformed('unknown_kind', { kind });
}

export interface RenderedFrameHeader {
  peerId: string;
  /** The driver frame this renders (uint32). */
  seq: number;
  /** The driver frame's capture time (sender clock, ms), for lip-sync measurement. */
  captureTimeMs: number;
  /** Time the node spent on this frame, ms. */
  renderMs: number;
  format: OutputFormat;
  quality: 'interactive' | 'balanced' | 'high';
  layout: 'flat' | 'quilt';
  cols: number;
  rows: number;
  /** Whole image size (a quilt: cols * tileWidth x rows * tileHeight). */
  width: number;
  height: number;
}

/** Fixed bytes of a rendered-frame header after the peer id. */
const FRAME_FIXED_BYTES = 4 + 8 + 4 + 1 + 1 + 1 + 1 + 1 + 2 + 2;

/**
 * A rendered frame: header then image bytes (raw RGBA8 rows top to bottom, colour over black
 * and alpha = coverage; or a PNG / JPEG file).
 */
export function encodeRenderedFrame(h: RenderedFrameHeader, image: Uint8Array): Uint8Array {
  const headerBytes = 3 + h.peerId.length + FRAME_FIXED_BYTES;
  const out = new Uint8Array(headerBytes + image.length);
  writeRenderedFrameHeader(out, h);
  out.set(image, headerBytes);
  return out;
}

/** Writes the header into `out` and returns its length (the image goes right after it). */
export function writeRenderedFrameHeader(out: Uint8Array, h: RenderedFrameHeader): number {
  out[0] = ENVELOPE_VERSION;
  out[1] = ENVELOPE_KIND.renderedFrame;
  const at = writeShortString(out, 2, h.peerId);
  const v = new DataView(out.buffer, out.byteOffset + at, FRAME_FIXED_BYTES);
  v.setUint32(0, h.seq >>> 0, true);
  v.setFloat64(4, h.captureTimeMs, true);
  v.setFloat32(12, h.renderMs, true);
  v.setUint8(16, OUTPUT_FORMAT_TAG[h.format]);
  v.setUint8(17, QUALITY_LEVEL_TAG[h.quality]);
  v.setUint8(18, h.layout === 'quilt' ? 1 : 0);
  v.setUint8(19, h.cols);
  v.setUint8(20, h.rows);
  v.setUint16(21, h.width, true);
  v.setUint16(23, h.height, true);
  return at + FRAME_FIXED_BYTES;
}

export function renderedFrameHeaderBytes(peerId: string): number {
  return 3 + peerId.length + FRAME_FIXED_BYTES;
}

export function decodeRenderedFrame(bytes: Uint8Array): { header: RenderedFrameHeader; image: Uint8Array } {
  if (bytes.length < 3) throw malformed('truncated');
  if (bytes[0] !== ENVELOPE_VERSION) throw malformed('bad_version', { version: bytes[0] });
  if (bytes[1] !== ENVELOPE_KIND.renderedFrame) throw malformed('unknown_kind', { kind: bytes[1] });
  const [peerId, at] = readShortString(bytes, 2, ID_PATTERN, 'peerId');
  if (at + FRAME_FIXED_BYTES > bytes.length) throw malformed('truncated');
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, FRAME_FIXED_BYTES);
  const format = OUTPUT_FORMAT_BY_TAG[v.getUint8(16)];
  const quality = QUALITY_BY_TAG[v.getUint8(17)];
  const layoutTag = v.getUint8(18);
  if (!format || !quality || layoutTag > 1) throw malformed('out_of_range');
  const header: RenderedFrameHeader = {
    peerId,
    seq: v.getUint32(0, true),
    captureTimeMs: v.getFloat64(4, true),
    renderMs: v.getFloat32(12, true),
    format,
    quality,
    layout: layoutTag === 1 ? 'quilt' : 'flat',
    cols: v.getUint8(19),
    rows: v.getUint8(20),
    width: v.getUint16(21, true),
    height: v.getUint16(23, true),
  };
  const image = bytes.subarray(at + FRAME_FIXED_BYTES);
  if (format === 'rgba' && image.length !== header.width * header.height * 4) throw malformed('bad_length');
  return { header, image };
}

// ---------------------------------------------------------------------------------------------
// Page tokens (WebCrypto HMAC-SHA256: the same code runs in the web app's server and the node)

export const INFERENCE_TOKEN_PREFIX = 'hc-inf1';

export const InferenceTokenClaims = z.strictObject({
  /** Expiry, Unix seconds. */
  exp: z.number().int().positive(),
  /** Issued at, Unix seconds. */
  iat: z.number().int().positive(),
  /** The web origin the page runs on; the node checks it against the connection's Origin. */
  origin: z.string().min(1).max(256),
  /** The signed-in user, for logs. */
  sub: z.string().max(64).optional(),
});
export type InferenceTokenClaims = z.infer<typeof InferenceTokenClaims>;

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string): ReturnType<typeof crypto.subtle.importKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Mints a page token (web app, server side). `ttlSeconds` is capped at INFERENCE_TOKEN_MAX_TTL_SECONDS. */
export async function mintInferenceToken(
  secret: string,
  claims: { origin: string; sub?: string; ttlSeconds: number },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const ttl = Math.min(claims.ttlSeconds, INFERENCE_TOKEN_MAX_TTL_SECONDS);
  const body: InferenceTokenClaims = { iat: nowSeconds, exp: nowSeconds + ttl, origin: claims.origin };
  if (claims.sub !== undefined) body.sub = claims.sub;
  const payload = `${INFERENCE_TOKEN_PREFIX}.${base64url(new TextEncoder().encode(JSON.stringify(body)))}`;
  const sig = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload)),
  );
  return `${payload}.${base64url(sig)}`;
}

/**
 * Checks a page token (node side): signature (constant time), expiry, lifetime, and that it
 * was minted for `origin`. Throws HolocallError unauthenticated / token_expired / origin_refused.
 */
export async function verifyInferenceToken(
  token: string,
  secret: string,
  origin: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<InferenceTokenClaims> {
  const unauthenticated = (why: string) => new HolocallError('unauthenticated', `inference token ${why}`);
  if (typeof token !== 'string' || token.length > MAX_INFERENCE_TOKEN_LENGTH) throw unauthenticated('is malformed');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== INFERENCE_TOKEN_PREFIX) throw unauthenticated('is malformed');
  let sig: Uint8Array;
  let claims: InferenceTokenClaims;
  try {
    sig = fromBase64url(parts[2]!);
    const parsed = InferenceTokenClaims.safeParse(JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]!))));
    if (!parsed.success) throw new Error('claims');
    claims = parsed.data;
  } catch {
    throw unauthenticated('is malformed');
  }
  const ok = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret),
    sig as Uint8Array<ArrayBuffer>,
    new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
  );
  if (!ok) throw unauthenticated('signature does not verify');
  if (claims.exp + INFERENCE_TOKEN_CLOCK_SKEW_SECONDS < nowSeconds) {
    throw new HolocallError('token_expired', 'inference token has expired', { details: { exp: claims.exp } });
  }
  if (
    claims.exp - claims.iat > INFERENCE_TOKEN_MAX_TTL_SECONDS ||
    claims.iat - INFERENCE_TOKEN_CLOCK_SKEW_SECONDS > nowSeconds
  ) {
    throw unauthenticated('lifetime is out of range');
  }
  if (claims.origin !== origin)
    throw new HolocallError('origin_refused', 'inference token was minted for another origin');
  return claims;
}
