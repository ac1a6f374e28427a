/**
 * The driver-frame binary codec: what a sender's browser publishes per video frame
 * (head pose + expression), 30 Hz per peer, through the SFU to every receiver.
 *
 * Version 1 wire format (little-endian; README.md has the same table):
 *
 *   offset size type   field
 *   0      1    u8     version = 1
 *   1      1    u8     expression kind: 0 none, 1 landmarks, 2 crop, 3 latent
 *   2      2    u16    payload byte length P (must match what follows, and the kind)
 *   4      4    u32    seq (wraps)
 *   8      6    u48    captureTimeMs: ms since the Unix epoch (u32 low word, then u16 high word)
 *   14     6    3×i16  rotation yaw, pitch, roll: round(angle · 32767/π), angles wrapped to [-π, π]
 *   20     6    3×i16  translation x, y, z: round(metres · 10000), i.e. 0.1 mm steps, ±3.2767 m
 *   26     P    ...    payload: none P=0; landmarks P=n (n i8: round(v·127), 1 <= n <= 38);
 *                      crop P=4 (u32 cropSeq); latent P=2n (n float16, 1 <= n <= 512)
 *
 * i16 -32768 and i8 -128 are never written (ranges are symmetric) and are rejected, as are
 * float16 NaN/Infinity. The decoder rejects rather than guesses: a frame either decodes to
 * a value that re-encodes to the identical bytes, or it is refused with malformed_frame.
 *
 * Why 48 bits of time: a full ms timestamp with no reference clock needed and no wrap
 * before the year 10889, in 6 bytes instead of 8; 32 bits would wrap every 49.7 days and
 * need the receiver's clock to disambiguate.
 */
import { ErrorCode, HolocallError } from './errors';
import {
  DRIVER_FRAME_HEADER_BYTES,
  MAX_DRIVER_FRAME_BYTES,
  MAX_LANDMARK_CODE_LENGTH,
  MAX_LATENT_CODE_LENGTH,
} from './limits';
import {
  dequantizeAngle,
  dequantizeExpression,
  dequantizeTranslation,
  fromFloat16Bits,
  INT8_QUANT_MAX,
  INT16_QUANT_MAX,
  quantizeAngle,
  quantizeExpression,
  quantizeTranslation,
  toFloat16Bits,
} from './quantize';

export const DRIVER_FRAME_VERSION = 1;

/** The expression kind tag (byte 1). */
export const EXPRESSION_KIND_TAG = { none: 0, landmarks: 1, crop: 2, latent: 3 } as const;

export type ExpressionPayload =
  /** Pose only (no face expression this frame, e.g. the tracker lost the face's details). */
  | { kind: 'none' }
  /** Landmark expression code, canonical units, values within ±EXPRESSION_RANGE. */
  | { kind: 'landmarks'; code: Float32Array }
  /** Crop mode: references the video frame (uint32) carrying the frontalized crop. */
  | { kind: 'crop'; cropSeq: number }
  /** Learned latent code, room for later (float16 on the wire). */
  | { kind: 'latent'; code: Float32Array };

/**
 * Head pose relative to the sender's camera.
 *
 * rotation = [yaw, pitch, roll] radians, composed as R = Ry(yaw) · Rx(pitch) · Rz(roll)
 * (right-handed rotations) about the head's canonical axes, the EG3D world axes: x toward
 * the person's left, y up, z out of the face. Zero is a face looking straight into the
 * camera. So:
 *   yaw > 0   the head turns to its own left (the nose moves toward image right),
 *   pitch > 0 the head nods down (chin toward the chest),
 *   roll > 0  the head tilts toward its right shoulder (counter-clockwise in the image).
 * In OpenCV camera axes the head's orientation is F · R with F = diag(1, -1, -1)
 * (camera.ts: headAnglesFromCameraRotation converts a tracker's rotation matrix).
 *
 * translation = head position in the camera frame, metres, OpenCV axes
 * (x right, y down, z forward; a head in view has z > 0).
 */
export interface HeadPose {
  rotation: [yaw: number, pitch: number, roll: number];
  translation: [x: number, y: number, z: number];
}

export interface DriverFrame {
  /** uint32, wraps (nextDriverFrameSeq, isSeqNewer). */
  seq: number;
  /** Sender wall clock, integer ms since the Unix epoch. */
  captureTimeMs: number;
  pose: HeadPose;
  expression: ExpressionPayload;
}

/** Why a decoder refused a frame (details.reason of the malformed_frame error), for counters. */
export type DriverFrameRejectReason =
  | 'not_bytes'
  | 'too_large'
  | 'truncated'
  | 'bad_version'
  | 'unknown_kind'
  | 'trailing_bytes'
  | 'bad_length'
  | 'out_of_range'
  /** Should never happen: a codec bug caught by tryDecodeDriverFrame (the fuzz tests hunt for it). */
  | 'undecodable';

const UINT32_MAX = 0xffff_ffff;
const UINT48_MAX = 2 ** 48 - 1;
const TWO_POW_32 = 2 ** 32;
const INT16_RESERVED = -(INT16_QUANT_MAX + 1);
const INT8_RESERVED = -(INT8_QUANT_MAX + 1);

// ---- sizes ----

function payloadByteLength(expression: ExpressionPayload): number {
  switch (expression.kind) {
    case 'none':
      return 0;
    case 'landmarks':
      return expression.code.length;
    case 'crop':
      return 4;
    case 'latent':
      return expression.code.length * 2;
  }
}

/** Bytes `encodeDriverFrame(frame)` will produce (assumes the frame is encodable). */
export function driverFrameByteLength(frame: DriverFrame): number {
  return DRIVER_FRAME_HEADER_BYTES + payloadByteLength(frame.expression);
}

// ---- encode ----

function badRequest(message: string, field: string, value?: unknown): HolocallError {
  return HolocallError.badRequest(`driver frame: ${message}`, value === undefined ? { field } : { field, value });
}

function requireFinite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw badRequest('not a finite number', field, String(value));
  return value;
}

function requireInteger(value: unknown, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`must be an integer in [0, ${max}]`, field, String(value));
  }
  return value;
}

function requireTriple(value: unknown, field: string): ArrayLike<unknown> {
  if (value === null || typeof value !== 'object' || (value as ArrayLike<unknown>).length !== 3) {
    throw badRequest('must be an array of 3 numbers', field);
  }
  return value as ArrayLike<unknown>;
}

function requireCode(code: unknown, max: number, field: string): ArrayLike<number> {
  if (code === null || typeof code !== 'object' || typeof (code as ArrayLike<number>).length !== 'number') {
    throw badRequest('code must be a Float32Array', field);
  }
  const length = (code as ArrayLike<number>).length;
  if (length === 0) throw badRequest('code is empty (use kind "none")', field);
  if (length > max) throw HolocallError.tooLarge(`driver frame ${field} length`, max, length);
  for (let i = 0; i < length; i++) requireFinite((code as ArrayLike<number>)[i], `${field}[${i}]`);
  return code as ArrayLike<number>;
}

/** A frame that passed validation, with everything the writer needs. */
interface EncodePlan {
  total: number;
  kindTag: number;
  payloadBytes: number;
  seq: number;
  time: number;
  pose: number[];
  code: ArrayLike<number> | undefined;
  cropSeq: number;
}

/** Validates every field before a byte is written. */
function planEncode(frame: DriverFrame): EncodePlan {
  if (frame === null || typeof frame !== 'object') throw badRequest('not an object', 'frame');
  const seq = requireInteger(frame.seq, UINT32_MAX, 'seq');
  const time = requireInteger(frame.captureTimeMs, UINT48_MAX, 'captureTimeMs');
  const pose = frame.pose;
  if (pose === null || typeof pose !== 'object') throw badRequest('not an object', 'pose');
  const rotation = requireTriple(pose.rotation, 'pose.rotation');
  const translation = requireTriple(pose.translation, 'pose.translation');
  const values = [
    requireFinite(rotation[0], 'pose.rotation[0]'),
    requireFinite(rotation[1], 'pose.rotation[1]'),
    requireFinite(rotation[2], 'pose.rotation[2]'),
    requireFinite(translation[0], 'pose.translation[0]'),
    requireFinite(translation[1], 'pose.translation[1]'),
    requireFinite(translation[2], 'pose.translation[2]'),
  ];

  const expression = frame.expression;
  if (expression === null || typeof expression !== 'object') throw badRequest('not an object', 'expression');
  let kindTag: number;
  let payloadBytes = 0;
  let code: ArrayLike<number> | undefined;
  let cropSeq = 0;
  switch (expression.kind) {
    case 'none':
      kindTag = EXPRESSION_KIND_TAG.none;
      break;
    case 'landmarks':
      kindTag = EXPRESSION_KIND_TAG.landmarks;
      code = requireCode(expression.code, MAX_LANDMARK_CODE_LENGTH, 'expression.code');
      payloadBytes = code.length;
      break;
    case 'crop':
      kindTag = EXPRESSION_KIND_TAG.crop;
      cropSeq = requireInteger(expression.cropSeq, UINT32_MAX, 'expression.cropSeq');
      payloadBytes = 4;
      break;
    case 'latent':
      kindTag = EXPRESSION_KIND_TAG.latent;
      code = requireCode(expression.code, MAX_LATENT_CODE_LENGTH, 'expression.code');
      payloadBytes = code.length * 2;
      break;
    default:
      throw badRequest('unknown expression kind', 'expression.kind', String((expression as { kind: unknown }).kind));
  }
  const total = DRIVER_FRAME_HEADER_BYTES + payloadBytes;
  return { total, kindTag, payloadBytes, seq, time, pose: values, code, cropSeq };
}

function writePlan(plan: EncodePlan, target: Uint8Array, offset: number): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, plan.total);
  const pose = plan.pose;
  view.setUint8(0, DRIVER_FRAME_VERSION);
  view.setUint8(1, plan.kindTag);
  view.setUint16(2, plan.payloadBytes, true);
  view.setUint32(4, plan.seq, true);
  view.setUint32(8, plan.time >>> 0, true);
  view.setUint16(12, Math.floor(plan.time / TWO_POW_32), true);
  view.setInt16(14, quantizeAngle(pose[0]!), true);
  view.setInt16(16, quantizeAngle(pose[1]!), true);
  view.setInt16(18, quantizeAngle(pose[2]!), true);
  view.setInt16(20, quantizeTranslation(pose[3]!), true);
  view.setInt16(22, quantizeTranslation(pose[4]!), true);
  view.setInt16(24, quantizeTranslation(pose[5]!), true);
  const p = DRIVER_FRAME_HEADER_BYTES;
  const code = plan.code;
  if (plan.kindTag === EXPRESSION_KIND_TAG.landmarks && code !== undefined) {
    for (let i = 0; i < code.length; i++) view.setInt8(p + i, quantizeExpression(code[i]!));
  } else if (plan.kindTag === EXPRESSION_KIND_TAG.latent && code !== undefined) {
    for (let i = 0; i < code.length; i++) view.setUint16(p + 2 * i, toFloat16Bits(code[i]!), true);
  } else if (plan.kindTag === EXPRESSION_KIND_TAG.crop) {
    view.setUint32(p, plan.cropSeq, true);
  }
}

/**
 * Writes `frame` into `target` at `offset` (e.g. after a routing prefix); returns the bytes
 * written. Same errors as encodeDriverFrame, plus bad_request when `target` is too small.
 * Nothing is written on error.
 */
export function encodeDriverFrameInto(frame: DriverFrame, target: Uint8Array, offset = 0): number {
  const plan = planEncode(frame);
  if (
    !(target instanceof Uint8Array) ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset + plan.total > target.length
  ) {
    throw badRequest(`target buffer cannot hold ${plan.total} bytes at offset ${offset}`, 'target');
  }
  writePlan(plan, target, offset);
  return plan.total;
}

/**
 * Encodes one frame into a new Uint8Array of exactly driverFrameByteLength(frame) bytes.
 * Throws HolocallError: bad_request (NaN/Infinity, non-integer or out-of-range seq, time or
 * cropSeq, unknown kind, empty code) or too_large (code longer than its limit). Finite
 * out-of-range measurements are wrapped or clamped, not refused (see quantize.ts).
 */
export function encodeDriverFrame(frame: DriverFrame): Uint8Array {
  const plan = planEncode(frame);
  const out = new Uint8Array(plan.total);
  writePlan(plan, out, 0);
  return out;
}

// ---- decode ----

function reject(reason: DriverFrameRejectReason, message: string, details?: Record<string, unknown>): HolocallError {
  return new HolocallError(ErrorCode.MalformedFrame, `driver frame: ${message}`, { details: { reason, ...details } });
}

const KIND_BY_TAG = ['none', 'landmarks', 'crop', 'latent'] as const;

/**
 * Decodes one frame. Throws ONLY HolocallError(malformed_frame), with details.reason one
 * of DriverFrameRejectReason; never any other exception, whatever the bytes.
 */
export function decodeDriverFrame(bytes: Uint8Array): DriverFrame {
  if (!(bytes instanceof Uint8Array)) throw reject('not_bytes', 'not a Uint8Array');
  const length = bytes.length;
  if (length > MAX_DRIVER_FRAME_BYTES) {
    throw reject('too_large', `${length} bytes, over the limit of ${MAX_DRIVER_FRAME_BYTES}`, {
      limit: MAX_DRIVER_FRAME_BYTES,
      actual: length,
    });
  }
  if (length < 1) throw reject('truncated', 'empty');
  // Version first: a future version may have another header size, and should say so.
  if (bytes[0] !== DRIVER_FRAME_VERSION) {
    throw reject('bad_version', `version ${bytes[0]}, expected ${DRIVER_FRAME_VERSION}`, { version: bytes[0] });
  }
  if (length < DRIVER_FRAME_HEADER_BYTES) {
    throw reject('truncated', `${length} bytes, shorter than the ${DRIVER_FRAME_HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const tag = view.getUint8(1);
  const kind = KIND_BY_TAG[tag];
  if (kind === undefined) throw reject('unknown_kind', `unknown expression kind tag ${tag}`, { tag });
  const payloadBytes = view.getUint16(2, true);
  const expected = DRIVER_FRAME_HEADER_BYTES + payloadBytes;
  if (length < expected) throw reject('truncated', `${length} bytes, length field says ${expected}`);
  if (length > expected) throw reject('trailing_bytes', `${length} bytes, length field says ${expected}`);

  let valid: boolean;
  switch (kind) {
    case 'none':
      valid = payloadBytes === 0;
      break;
    case 'landmarks':
      valid = payloadBytes >= 1 && payloadBytes <= MAX_LANDMARK_CODE_LENGTH;
      break;
    case 'crop':
      valid = payloadBytes === 4;
      break;
    case 'latent':
      valid = payloadBytes >= 2 && payloadBytes <= 2 * MAX_LATENT_CODE_LENGTH && payloadBytes % 2 === 0;
      break;
  }
  if (!valid) throw reject('bad_length', `payload of ${payloadBytes} bytes is invalid for kind ${kind}`, { kind });

  const q: number[] = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 6; i++) {
    const v = view.getInt16(14 + 2 * i, true);
    if (v === INT16_RESERVED)
      throw reject('out_of_range', `reserved value at byte ${14 + 2 * i}`, { offset: 14 + 2 * i });
    q[i] = v;
  }

  const p = DRIVER_FRAME_HEADER_BYTES;
  let expression: ExpressionPayload;
  switch (kind) {
    case 'none':
      expression = { kind };
      break;
    case 'crop':
      expression = { kind, cropSeq: view.getUint32(p, true) };
      break;
    case 'landmarks': {
      const code = new Float32Array(payloadBytes);
      for (let i = 0; i < payloadBytes; i++) {
        const v = view.getInt8(p + i);
        if (v === INT8_RESERVED) throw reject('out_of_range', `reserved value at byte ${p + i}`, { offset: p + i });
        code[i] = dequantizeExpression(v);
      }
      expression = { kind, code };
      break;
    }
    case 'latent': {
      const n = payloadBytes / 2;
      const code = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const v = fromFloat16Bits(view.getUint16(p + 2 * i, true));
        if (Number.isNaN(v)) {
          throw reject('out_of_range', `float16 NaN or Infinity at byte ${p + 2 * i}`, { offset: p + 2 * i });
        }
        code[i] = v;
      }
      expression = { kind, code };
      break;
    }
  }

  return {
    seq: view.getUint32(4, true),
    captureTimeMs: view.getUint16(12, true) * TWO_POW_32 + view.getUint32(8, true),
    pose: {
      rotation: [dequantizeAngle(q[0]!), dequantizeAngle(q[1]!), dequantizeAngle(q[2]!)],
      translation: [dequantizeTranslation(q[3]!), dequantizeTranslation(q[4]!), dequantizeTranslation(q[5]!)],
    },
    expression,
  };
}

/** decodeDriverFrame without throwing, for hot paths that count rejects. */
export function tryDecodeDriverFrame(
  bytes: Uint8Array,
): { ok: true; frame: DriverFrame } | { ok: false; error: HolocallError } {
  try {
    return { ok: true, frame: decodeDriverFrame(bytes) };
  } catch (error) {
    if (error instanceof HolocallError) return { ok: false, error };
    // Unreachable by design; never let it escape as another type.
    return {
      ok: false,
      error: new HolocallError(ErrorCode.MalformedFrame, 'driver frame: undecodable', {
        details: { reason: 'undecodable' },
        cause: error,
      }),
    };
  }
}

// ---- sequence numbers ----

/** The seq after `seq`, wrapping at 2^32. */
export function nextDriverFrameSeq(seq: number): number {
  return (seq + 1) >>> 0;
}

/**
 * True when `a` is newer than `b` in uint32 serial-number arithmetic (RFC 1982): `a` is
 * ahead of `b` by less than 2^31. Receivers use it for "latest frame wins" across the wrap.
 */
export function isSeqNewer(a: number, b: number): boolean {
  const ahead = (a - b) >>> 0;
  return ahead !== 0 && ahead < 0x8000_0000;
}
