import { z } from 'zod';
import {
  INFERENCE_PROTOCOL_VERSION,
  MAX_FRAME_CREDITS,
  MAX_INFERENCE_TOKEN_LENGTH,
  MAX_PREVIEW_TILE_SIDE,
  MAX_PREVIEW_VIEWS,
  MAX_PREVIEW_YAW_DEG,
  MAX_RENDER_PIXELS,
  MAX_VIEW_OFFSET_RAD,
  MAX_VIEW_SIDE,
} from './inference-limits';
import { MAX_QUILT_VIEWS } from './limits';
import { MAX_RENDERED_FRAME_SIDE } from './rendered-frame';
import { Id } from './signaling';

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
 * for this page (inference-token.ts: an ES256 JWT the node checks against the web app's JWKS,
 * with an expiry and the origin it was minted for). Nothing else is
 * accepted before it; a connection without a valid hello within INFERENCE_HELLO_TIMEOUT_MS
 * is closed.
 */

/**
 * Content hash of an avatar (hex): avatarContentHash of an enrollment (image, landmarks,
 * landmark space) or triplaneContentHash of an uploaded tri-plane (avatar-hash.ts). The node
 * checks it against what it is sent and caches only under it.
 */
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
  .refine((q) => q.cols * q.rows * q.tileWidth * q.tileHeight <= MAX_RENDER_PIXELS, 'quilt is too large')
  // The whole quilt travels as one rendered frame: its size must fit the header's fields.
  .refine(
    (q) => q.cols * q.tileWidth <= MAX_RENDERED_FRAME_SIDE && q.rows * q.tileHeight <= MAX_RENDERED_FRAME_SIDE,
    `a quilt's frame must be at most ${MAX_RENDERED_FRAME_SIDE} pixels each way`,
  );
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
 * avatar hash; 'upload' waits for a binary `triplane` envelope for this peer (whose content must
 * hash to the avatar hash); 'synthetic-head' uses the node's built-in synthetic test head (a demo
 * sender, not a person; never cached under the avatar hash); 'enrollment'
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
  /**
   * Flow control: the page answers every rendered frame it receives with `frame-received`, and
   * the node keeps at most this many unanswered frames in flight (it drops frames before
   * rendering meanwhile, latest wins). Without it a page slower than the node at taking in
   * frames (a 45 MB quilt each) queues them in the sockets and its latency grows without bound.
   * Absent: no flow control (only the node's send-buffer limit).
   */
  frameCredits: z.number().int().min(1).max(MAX_FRAME_CREDITS).optional(),
});

/** One or more rendered frames taken in by the page (see SetOutput.frameCredits); no reply. */
export const FrameReceived = z.strictObject({
  type: z.literal('frame-received'),
  frames: z.number().int().min(1).max(64).optional(),
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
  FrameReceived,
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

/**
 * Whether the node could fetch the server's public keys the last time it tried (a
 * participant's node runs apart from the server: `npm run node -- --server URL`). `url` is the
 * server's origin; `detail` says what failed (DNS, refused, TLS untrusted, HTTP status, not a
 * JWKS). Also in the `details.server` of a hello refused because the node holds no keys yet.
 */
export const InferenceServerStatus = z.strictObject({
  url: z.string().max(256),
  reachable: z.boolean(),
  detail: z.string().max(512).optional(),
});
export type InferenceServerStatus = z.infer<typeof InferenceServerStatus>;

export const InferenceWelcome = z.strictObject({
  type: z.literal('welcome'),
  protocolVersion: z.literal(INFERENCE_PROTOCOL_VERSION),
  node: InferenceNodeInfo,
  /** Optional: nodes before it send none, and pages before it ignore it. */
  server: InferenceServerStatus.optional(),
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
