import { MAX_PHOTO_BYTES } from './enrollment-limits';
import { refuseOverLimit } from './enrollment-refusal';
import { HolocallError } from './errors';
import {
  HASH_PATTERN,
  ID_PATTERN,
  LITTLE_ENDIAN,
  malformed,
  readShortString,
  writeShortString,
} from './inference-binary';
import { MAX_ENROLLMENT_LANDMARKS, MAX_INFERENCE_BINARY_BYTES, TRIPLANE_UPLOAD_FLOATS } from './inference-limits';
import { MAX_DRIVER_FRAME_BYTES } from './limits';

/**
 * Binary frames from a browser to its local inference node: a small envelope (version, kind,
 * peer id) around a driver frame exactly as it arrived from the SFU, a sender's tri-plane, or
 * an enrolled photo with its landmarks. The node's answers (rendered frames) are in rendered-frame.ts.
 */

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
export type InferenceEnvelope =
  | { kind: 'driver-frame'; peerId: string; frame: Uint8Array }
  | { kind: 'triplane'; peerId: string; avatarHash: string; data: Float32Array }
  | ({ kind: 'enrollment' } & EnrollmentUpload);

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
  if (image.length > MAX_PHOTO_BYTES)
    throw refuseOverLimit('photo_too_large', 'enrollment image bytes', MAX_PHOTO_BYTES, image.length);
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
  if (imageBytes > MAX_PHOTO_BYTES)
    throw refuseOverLimit('photo_too_large', 'enrollment image bytes', MAX_PHOTO_BYTES, imageBytes);
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
