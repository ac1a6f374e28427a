/**
 * Independent oracles for the protocol's messages, for the fuzz tests and the fuzz bench:
 * each restates what the protocol's comments and limits document, in the fuzz toolkit's own
 * spec language (never importing the zod schemas), plus valid example messages to mutate.
 * Limits are taken by name from the protocol (a constant is the documentation); everything
 * else (types, which keys, which are optional, which objects are strict) is written out here.
 */
import { MAX_PHOTO_BYTES } from '../../src/enrollment-limits';
import {
  INFERENCE_PROTOCOL_VERSION,
  MAX_ENROLLMENT_LANDMARKS,
  MAX_FRAME_CREDITS,
  MAX_INFERENCE_BINARY_BYTES,
  MAX_INFERENCE_TOKEN_LENGTH,
  MAX_PREVIEW_TILE_SIDE,
  MAX_PREVIEW_VIEWS,
  MAX_PREVIEW_YAW_DEG,
  MAX_RENDER_PIXELS,
  MAX_VIEW_OFFSET_RAD,
  MAX_VIEW_SIDE,
  TRIPLANE_UPLOAD_FLOATS,
} from '../../src/inference-limits';
import { MAX_DRIVER_FRAME_BYTES, MAX_QUILT_VIEWS } from '../../src/limits';
import { MAX_RENDERED_FRAME_SIDE } from '../../src/rendered-frame';
import { MAX_ID_LENGTH, MAX_ROOM_TOKEN_LENGTH, MAX_SCTP_MESSAGE_BYTES } from '../../src/signaling-limits';
import type { Spec } from './fuzz';

// ---------------------------------------------------------------------------------------------
// Spec shorthands

const str = (max?: number, min?: number, re?: RegExp): Spec => ({
  t: 'str',
  ...(max === undefined ? {} : { max }),
  ...(min === undefined ? {} : { min }),
  ...(re === undefined ? {} : { re }),
});
const int = (min: number, max: number): Spec => ({ t: 'int', min, max });
const num = (min?: number, max?: number): Spec => ({
  t: 'num',
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const bool: Spec = { t: 'bool' };
const lit = (v: string | number | boolean): Spec => ({ t: 'lit', v });
const oneOf = (...vs: string[]): Spec => ({ t: 'enum', vs });
const arr = (of: Spec, max?: number, min?: number): Spec => ({
  t: 'arr',
  of,
  ...(max === undefined ? {} : { max }),
  ...(min === undefined ? {} : { min }),
});
/** Fields ending in `?` are optional. */
function obj(fields: Record<string, Spec>, strict: boolean, check?: (v: never) => boolean): Spec {
  const optional = Object.keys(fields).filter((k) => k.endsWith('?'));
  const named = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(/\?$/, ''), v]));
  return {
    t: 'obj',
    fields: named,
    optional: optional.map((k) => k.slice(0, -1)),
    strict,
    ...(check ? { check } : {}),
  };
}
/** A string the SFU hands to mediasoup's worker: documented as bounded and well-formed Unicode. */
const workerText = (max: number): Spec => ({ t: 'str', max, wellFormed: true });
const message = (fields: Record<string, Spec>, check?: (v: never) => boolean) => obj(fields, true, check);
const mirrored = (fields: Record<string, Spec>) => obj(fields, false);

// ---------------------------------------------------------------------------------------------
// Signaling (client -> SFU): every message strict; mediasoup's parameter objects strip unknown keys.

const ID_RE = /^[A-Za-z0-9_-]+$/;
const id = str(MAX_ID_LENGTH, 1, ID_RE);
const u16 = int(0, 65535);
const u32 = int(0, 0xffffffff);
const mediaKind = oneOf('audio', 'video');
const parameterMap: Spec = {
  t: 'map',
  key: workerText(64),
  value: { t: 'any-of', of: [workerText(256), num()] },
  maxKeys: 32,
};
const rtcpFeedback = mirrored({ type: workerText(32), 'parameter?': workerText(32) });
const sctpCapabilities = mirrored({ numStreams: mirrored({ OS: int(1, 65535), MIS: int(1, 65535) }) });

const rtpCapabilities = mirrored({
  'codecs?': arr(
    mirrored({
      kind: mediaKind,
      mimeType: workerText(64),
      'preferredPayloadType?': int(0, 127),
      clockRate: int(1, 1_000_000),
      'channels?': int(1, 8),
      'parameters?': parameterMap,
      'rtcpFeedback?': arr(rtcpFeedback, 16),
    }),
    64,
  ),
  'headerExtensions?': arr(
    mirrored({
      kind: mediaKind,
      uri: workerText(256),
      preferredId: int(1, 255),
      'preferredEncrypt?': bool,
      'direction?': oneOf('sendrecv', 'sendonly', 'recvonly', 'inactive'),
    }),
    64,
  ),
});

const rtpParameters = mirrored({
  'mid?': workerText(32),
  codecs: arr(
    mirrored({
      mimeType: workerText(64),
      payloadType: int(0, 127),
      clockRate: int(1, 1_000_000),
      'channels?': int(1, 8),
      'parameters?': parameterMap,
      'rtcpFeedback?': arr(rtcpFeedback, 16),
    }),
    16,
    1,
  ),
  'headerExtensions?': arr(
    mirrored({ uri: workerText(256), id: int(1, 255), 'encrypt?': bool, 'parameters?': parameterMap }),
    32,
  ),
  'encodings?': arr(
    mirrored({
      'ssrc?': u32,
      'rid?': workerText(32),
      'codecPayloadType?': int(0, 127),
      'rtx?': mirrored({ ssrc: u32 }),
      'dtx?': bool,
      'scalabilityMode?': workerText(16),
      'scaleResolutionDownBy?': num(1, 64),
      'maxBitrate?': int(1, 100_000_000),
    }),
    8,
  ),
  'rtcp?': mirrored({ 'cname?': workerText(256), 'reducedSize?': bool, 'mux?': bool }),
});

const dtlsParameters = mirrored({
  'role?': oneOf('auto', 'client', 'server'),
  fingerprints: arr(
    mirrored({ algorithm: oneOf('sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'), value: workerText(256) }),
    8,
    1,
  ),
});

export const SIGNALING_REQUEST_SPEC: Spec = {
  t: 'tagged',
  tag: 'type',
  cases: {
    join: message({ type: lit('join'), roomId: id, 'token?': str(MAX_ROOM_TOKEN_LENGTH) }),
    getRouterRtpCapabilities: message({ type: lit('getRouterRtpCapabilities') }),
    setCapabilities: message({
      type: lit('setCapabilities'),
      rtpCapabilities,
      'sctpCapabilities?': sctpCapabilities,
    }),
    createWebRtcTransport: message({
      type: lit('createWebRtcTransport'),
      direction: oneOf('send', 'recv'),
      'sctpCapabilities?': sctpCapabilities,
    }),
    connectWebRtcTransport: message({ type: lit('connectWebRtcTransport'), transportId: id, dtlsParameters }),
    restartIce: message({ type: lit('restartIce'), transportId: id }),
    produce: message({
      type: lit('produce'),
      transportId: id,
      kind: mediaKind,
      source: oneOf('mic', 'crop'),
      rtpParameters,
    }),
    produceData: message({
      type: lit('produceData'),
      transportId: id,
      label: lit('driver-frames'),
      'protocol?': workerText(32),
      sctpStreamParameters: mirrored({
        streamId: int(0, 65534),
        'ordered?': bool,
        'maxPacketLifeTime?': u16,
        'maxRetransmits?': u16,
      }),
    }),
    closeProducer: message({ type: lit('closeProducer'), producerId: id }),
    closeDataProducer: message({ type: lit('closeDataProducer'), dataProducerId: id }),
    consume: message({ type: lit('consume'), transportId: id, producerId: id }),
    resumeConsumer: message({ type: lit('resumeConsumer'), consumerId: id }),
    consumeData: message({ type: lit('consumeData'), transportId: id, dataProducerId: id }),
    leave: message({ type: lit('leave') }),
  },
};

/** Numbers the signaling limits are written in terms of (for boundary mutations). */
export const SIGNALING_LIMIT_NUMBERS: readonly number[] = [
  MAX_ID_LENGTH,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_SCTP_MESSAGE_BYTES,
  8,
  16,
  32,
  64,
  127,
  255,
  256,
  65534,
  65535,
  1_000_000,
  100_000_000,
];

export const OPUS_RTP_PARAMETERS = {
  mid: '0',
  codecs: [
    {
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { useinbandfec: 1, 'sprop-stereo': 0 },
      rtcpFeedback: [{ type: 'transport-cc' }],
    },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 }],
  encodings: [{ ssrc: 11111111, dtx: false }],
  rtcp: { cname: 'fuzz-cname', reducedSize: true },
};

export const VP8_RTP_PARAMETERS = {
  mid: '1',
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: 96,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'ccm', parameter: 'fir' }],
    },
    { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
  ],
  encodings: [{ ssrc: 22222222, rtx: { ssrc: 22222223 }, maxBitrate: 300_000, scaleResolutionDownBy: 1 }],
  rtcp: { cname: 'fuzz-cname' },
};

export const RTP_CAPABILITIES = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2 },
    {
      kind: 'video',
      mimeType: 'video/VP8',
      preferredPayloadType: 101,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    },
  ],
  headerExtensions: [
    { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, direction: 'sendrecv' },
  ],
};

/** Ids a fuzz run may fill in (a real SFU's transport ids, say); placeholders otherwise. */
export interface SignalingIds {
  roomId: string;
  token: string;
  sendTransportId: string;
  recvTransportId: string;
  producerId: string;
  dataProducerId: string;
  consumerId: string;
}

export const PLACEHOLDER_IDS: SignalingIds = {
  roomId: 'room-1',
  token: 'a.b.c',
  sendTransportId: 't-send',
  recvTransportId: 't-recv',
  producerId: 'p-1',
  dataProducerId: 'd-1',
  consumerId: 'c-1',
};

/** One valid example of every signaling request (a mutation corpus). */
export function validSignalingRequests(ids: SignalingIds = PLACEHOLDER_IDS): Record<string, unknown>[] {
  const sctp = { numStreams: { OS: 1024, MIS: 1024 } };
  return [
    { type: 'join', roomId: ids.roomId, token: ids.token },
    { type: 'getRouterRtpCapabilities' },
    { type: 'setCapabilities', rtpCapabilities: RTP_CAPABILITIES, sctpCapabilities: sctp },
    { type: 'createWebRtcTransport', direction: 'send', sctpCapabilities: sctp },
    {
      type: 'connectWebRtcTransport',
      transportId: ids.sendTransportId,
      dtlsParameters: {
        role: 'client',
        fingerprints: [{ algorithm: 'sha-256', value: `${'AB:'.repeat(31)}AB` }],
      },
    },
    { type: 'restartIce', transportId: ids.sendTransportId },
    {
      type: 'produce',
      transportId: ids.sendTransportId,
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS_RTP_PARAMETERS,
    },
    {
      type: 'produce',
      transportId: ids.sendTransportId,
      kind: 'video',
      source: 'crop',
      rtpParameters: VP8_RTP_PARAMETERS,
    },
    {
      type: 'produceData',
      transportId: ids.sendTransportId,
      label: 'driver-frames',
      protocol: 'holocall-driver-v1',
      sctpStreamParameters: { streamId: 1, ordered: false, maxRetransmits: 0 },
    },
    { type: 'closeProducer', producerId: ids.producerId },
    { type: 'closeDataProducer', dataProducerId: ids.dataProducerId },
    { type: 'consume', transportId: ids.recvTransportId, producerId: ids.producerId },
    { type: 'resumeConsumer', consumerId: ids.consumerId },
    { type: 'consumeData', transportId: ids.recvTransportId, dataProducerId: ids.dataProducerId },
    { type: 'leave' },
  ];
}

// ---------------------------------------------------------------------------------------------
// Inference node JSON (browser -> node): every message and view strict.

const HASH_RE = /^[0-9a-f]+$/;
const avatarHash = str(128, 16, HASH_RE);
const viewSide = int(16, MAX_VIEW_SIDE);
const flatView = message({
  kind: lit('flat'),
  width: viewSide,
  height: viewSide,
  'camera?': { t: 'arr', of: num(), min: 25, max: 25 },
  'offset?': message({
    yaw: num(-MAX_VIEW_OFFSET_RAD, MAX_VIEW_OFFSET_RAD),
    pitch: num(-MAX_VIEW_OFFSET_RAD, MAX_VIEW_OFFSET_RAD),
  }),
});
type Quilt = { cols: number; rows: number; tileWidth: number; tileHeight: number };
const quiltView = message(
  {
    kind: lit('quilt'),
    cols: int(1, MAX_QUILT_VIEWS),
    rows: int(1, MAX_QUILT_VIEWS),
    viewConeDeg: num(0, 90),
    tileWidth: viewSide,
    tileHeight: viewSide,
    'followPose?': bool,
  },
  ((q: Quilt) =>
    q.cols * q.rows <= MAX_QUILT_VIEWS &&
    q.cols * q.rows * q.tileWidth * q.tileHeight <= MAX_RENDER_PIXELS &&
    // The whole quilt is one rendered frame: its u16 width and height must hold it.
    q.cols * q.tileWidth <= MAX_RENDERED_FRAME_SIDE &&
    q.rows * q.tileHeight <= MAX_RENDERED_FRAME_SIDE) as (v: never) => boolean,
);

export const INFERENCE_CLIENT_MESSAGE_SPEC: Spec = {
  t: 'tagged',
  tag: 'type',
  cases: {
    hello: message({
      type: lit('hello'),
      protocolVersion: lit(INFERENCE_PROTOCOL_VERSION),
      token: str(MAX_INFERENCE_TOKEN_LENGTH, 1),
    }),
    'register-sender': message({
      type: lit('register-sender'),
      peerId: id,
      avatarHash,
      source: oneOf('cache', 'upload', 'synthetic-head', 'enrollment'),
    }),
    'unregister-sender': message({ type: lit('unregister-sender'), peerId: id }),
    'set-view': message({ type: lit('set-view'), 'peerId?': id, view: { t: 'any-of', of: [flatView, quiltView] } }),
    'set-quality': message({
      type: lit('set-quality'),
      level: oneOf('interactive', 'balanced', 'high', 'auto'),
      'targetFps?': num(5, 120),
    }),
    'set-output': message({
      type: lit('set-output'),
      format: oneOf('rgba', 'png', 'jpeg'),
      'jpegQuality?': int(1, 100),
      'frameCredits?': int(1, MAX_FRAME_CREDITS),
    }),
    'frame-received': message({ type: lit('frame-received'), 'frames?': int(1, 64) }),
    'preview-avatar': message({
      type: lit('preview-avatar'),
      requestId: id,
      avatarHash,
      views: int(1, MAX_PREVIEW_VIEWS),
      'maxYawDeg?': num(0, MAX_PREVIEW_YAW_DEG),
      'pitchDeg?': num(-30, 30),
      'tileSize?': int(32, MAX_PREVIEW_TILE_SIDE),
      'format?': oneOf('png', 'jpeg'),
    }),
    'get-stats': message({ type: lit('get-stats') }),
    ping: message({ type: lit('ping'), 'nonce?': int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) }),
  },
};

export const INFERENCE_LIMIT_NUMBERS: readonly number[] = [
  16,
  32,
  MAX_VIEW_SIDE,
  MAX_QUILT_VIEWS,
  MAX_PREVIEW_VIEWS,
  MAX_PREVIEW_TILE_SIDE,
  MAX_PREVIEW_YAW_DEG,
  MAX_VIEW_OFFSET_RAD,
  MAX_INFERENCE_TOKEN_LENGTH,
  MAX_ID_LENGTH,
  90,
  100,
  120,
  5,
  25,
];

export const FUZZ_AVATAR_HASH = 'feedface'.repeat(4);

/** One valid example of every inference client message; `token` is a hello token (any string is valid in form). */
export function validInferenceMessages(token = 'token'): Record<string, unknown>[] {
  return [
    { type: 'hello', protocolVersion: INFERENCE_PROTOCOL_VERSION, token },
    { type: 'register-sender', peerId: 'p1', avatarHash: FUZZ_AVATAR_HASH, source: 'synthetic-head' },
    { type: 'register-sender', peerId: 'p2', avatarHash: FUZZ_AVATAR_HASH, source: 'upload' },
    { type: 'register-sender', peerId: 'p3', avatarHash: FUZZ_AVATAR_HASH, source: 'enrollment' },
    { type: 'register-sender', peerId: 'p4', avatarHash: FUZZ_AVATAR_HASH, source: 'cache' },
    { type: 'unregister-sender', peerId: 'p2' },
    {
      type: 'set-view',
      peerId: 'p1',
      view: { kind: 'flat', width: 64, height: 48, offset: { yaw: 0.1, pitch: -0.1 } },
    },
    {
      type: 'set-view',
      view: { kind: 'flat', width: 32, height: 32, camera: Array.from({ length: 25 }, (_, i) => i / 25) },
    },
    {
      type: 'set-view',
      peerId: 'p1',
      view: { kind: 'quilt', cols: 2, rows: 2, viewConeDeg: 35, tileWidth: 16, tileHeight: 16, followPose: true },
    },
    { type: 'set-quality', level: 'interactive', targetFps: 30 },
    { type: 'set-quality', level: 'auto' },
    { type: 'set-output', format: 'jpeg', jpegQuality: 80 },
    { type: 'set-output', format: 'rgba' },
    { type: 'set-output', format: 'rgba', frameCredits: 2 },
    { type: 'frame-received' },
    { type: 'frame-received', frames: 3 },
    {
      type: 'preview-avatar',
      requestId: 'r1',
      avatarHash: FUZZ_AVATAR_HASH,
      views: 3,
      maxYawDeg: 20,
      pitchDeg: 0,
      tileSize: 32,
      format: 'jpeg',
    },
    { type: 'get-stats' },
    { type: 'ping', nonce: 7 },
    { type: 'ping' },
  ];
}

// ---------------------------------------------------------------------------------------------
// Inference binary envelopes, restated from the layout comments of inference-envelopes.ts

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** The envelope a valid input decodes to, as the layout describes it; null for any input the decoder must refuse. */
export type ReferenceEnvelope =
  | { kind: 'driver-frame'; peerId: string; frameBytes: number }
  | { kind: 'triplane'; peerId: string; avatarHash: string }
  | {
      kind: 'enrollment';
      purpose: 'register' | 'preview';
      id: string;
      avatarHash: string;
      width: number;
      height: number;
      points: number;
      imageBytes: number;
    };

/**
 * What the decoder must do with `b`: 'too_large' (over the binary or photo limit, or more
 * landmark points than allowed), null (malformed), or the envelope it must produce.
 */
export function referenceEnvelope(b: Uint8Array): ReferenceEnvelope | null | 'too_large' {
  if (b.length > MAX_INFERENCE_BINARY_BYTES) return 'too_large';
  if (b.length < 3 || b[0] !== 1) return null;
  const u16 = (at: number) => b[at]! | (b[at + 1]! << 8);
  const u32 = (at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  const short = (at: number, re: RegExp, min: number, max: number): [string, number] | null => {
    if (at >= b.length) return null;
    const len = b[at]!;
    if (len < min || len > max || at + 1 + len > b.length) return null;
    const text = ascii(b.subarray(at + 1, at + 1 + len));
    return re.test(text) ? [text, at + 1 + len] : null;
  };
  const peer = (at: number) => short(at, ID_RE, 1, MAX_ID_LENGTH);
  const hash = (at: number) => short(at, HASH_RE, 16, 128);
  const finiteF32 = (at: number) => (((b[at + 3]! & 0x7f) << 1) | (b[at + 2]! >> 7)) !== 0xff; // exponent not all ones
  switch (b[1]) {
    case 1: {
      const p = peer(2);
      if (!p) return null;
      const frameBytes = b.length - p[1];
      if (frameBytes === 0) return null;
      if (frameBytes > MAX_DRIVER_FRAME_BYTES) return 'too_large';
      return { kind: 'driver-frame', peerId: p[0], frameBytes };
    }
    case 2: {
      const p = peer(2);
      if (!p) return null;
      const h = hash(p[1]);
      if (!h) return null;
      let at = h[1];
      if (at >= b.length || b[at]! > 3) return null;
      at += 1 + b[at]!;
      if (b.length - at !== TRIPLANE_UPLOAD_FLOATS * 4) return null;
      for (let i = at; i < b.length; i += 4) if (!finiteF32(i)) return null;
      return { kind: 'triplane', peerId: p[0], avatarHash: h[0] };
    }
    case 3: {
      const purpose = b[2] === 0 ? 'register' : b[2] === 1 ? 'preview' : undefined;
      if (!purpose) return null;
      const p = peer(3);
      if (!p) return null;
      const h = hash(p[1]);
      if (!h) return null;
      let at = h[1];
      if (at + 7 > b.length) return null;
      const width = u16(at);
      const height = u16(at + 2);
      const points = u16(at + 4);
      if (width === 0 || height === 0 || points === 0) return null;
      if (points > MAX_ENROLLMENT_LANDMARKS) return 'too_large';
      at += 6;
      if (b[at]! > 3) return null;
      at += 1 + b[at]!;
      if (at + points * 12 + 4 > b.length) return null;
      for (let i = 0; i < points * 3; i++) if (!finiteF32(at + 4 * i)) return null;
      at += points * 12;
      const imageBytes = u32(at);
      at += 4;
      if (imageBytes > MAX_PHOTO_BYTES) return 'too_large';
      if (imageBytes === 0 || at + imageBytes !== b.length) return null;
      return { kind: 'enrollment', purpose, id: p[0], avatarHash: h[0], width, height, points, imageBytes };
    }
    default:
      return null;
  }
}
