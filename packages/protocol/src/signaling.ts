import { z } from 'zod';
import { ErrorCode } from './errors';
import {
  MAX_DISPLAY_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_PEERS_PER_ROOM,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_SCTP_MESSAGE_BYTES,
  ROOM_TOKEN_MAX_TTL_SECONDS,
} from './signaling-limits';

/**
 * Every message between a client and the SFU (socket.io), validated where it enters the SFU.
 *
 * Wire shape: the client emits `request` with one `SignalingRequest` and an acknowledgement
 * callback answered with a `SignalingAck`; the SFU emits `notification` with one
 * `SignalingNotification`. Requests and notifications are discriminated unions on `type`.
 * mediasoup's own parameter objects (RTP, DTLS, SCTP) are mirrored here with bounds on
 * every string, number and array so a hostile client cannot make the SFU hold large objects.
 * Messages themselves are strict (an unknown key such as `appData` is refused); the mirrored
 * mediasoup objects strip unknown keys instead, because browsers add fields of their own
 * (`active`, `priority`... on encodings) that mediasoup does not need.
 */

export const SIGNALING_REQUEST_EVENT = 'request';
export const SIGNALING_NOTIFICATION_EVENT = 'notification';

/** The only data channel label the SFU accepts: driver frames (pose + expression code). */
export const DRIVER_DATA_LABEL = 'driver-frames';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Room, user, avatar and mediasoup object ids: short, URL-safe. */
export const Id = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');

const Uint16 = z.number().int().min(0).max(65535);
const Uint32 = z.number().int().min(0).max(0xffffffff);
/**
 * An unpaired UTF-16 surrogate: JSON carries one (as a `\ud800` escape), but mediasoup's worker
 * cannot parse it, and a request holding one was never answered (and held every later request
 * of its socket behind it).
 */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string the SFU hands to the mediasoup worker: bounded, and well-formed Unicode. */
function WorkerText(max: number) {
  return z
    .string()
    .max(max)
    .refine((text) => !UNPAIRED_SURROGATE.test(text), 'must be well-formed Unicode (no unpaired surrogate)');
}

const ShortText = WorkerText(256);
const Token = z.string().max(MAX_ROOM_TOKEN_LENGTH);

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

/** What a producer carries: the microphone (Opus) or the small face-crop video of crop mode (VP8). */
export const ProducerSource = z.enum(['mic', 'crop']);
export type ProducerSource = z.infer<typeof ProducerSource>;

export const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

/** Codec or header-extension parameters: a small flat map of strings and numbers. */
const ParameterMap = z
  .record(WorkerText(64), z.union([WorkerText(256), z.number()]))
  .refine((map) => Object.keys(map).length <= 32, 'at most 32 parameters');

export const RtcpFeedback = z.object({
  type: WorkerText(32),
  parameter: WorkerText(32).optional(),
});

export const RtpCodecCapability = z.object({
  kind: MediaKind,
  mimeType: WorkerText(64),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive().max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: ParameterMap.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpHeaderExtension = z.object({
  kind: MediaKind,
  uri: ShortText,
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const RtpCapabilities = z.object({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtension).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const RtpCodecParameters = z.object({
  mimeType: WorkerText(64),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive().max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: ParameterMap.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpHeaderExtensionParameters = z.object({
  uri: ShortText,
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: ParameterMap.optional(),
});

export const RtpEncodingParameters = z.object({
  ssrc: Uint32.optional(),
  rid: WorkerText(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: Uint32 }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: WorkerText(16).optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  maxBitrate: z.number().int().positive().max(100_000_000).optional(),
});

export const RtcpParameters = z.object({
  cname: WorkerText(256).optional(),
  reducedSize: z.boolean().optional(),
  mux: z.boolean().optional(),
});

export const RtpParameters = z.object({
  mid: WorkerText(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(16),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: RtcpParameters.optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: WorkerText(256),
      }),
    )
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const SctpCapabilities = z.object({
  numStreams: z.object({ OS: z.number().int().min(1).max(65535), MIS: z.number().int().min(1).max(65535) }),
});
export type SctpCapabilities = z.infer<typeof SctpCapabilities>;

export const SctpStreamParameters = z.object({
  streamId: z.number().int().min(0).max(65534),
  ordered: z.boolean().optional(),
  maxPacketLifeTime: Uint16.optional(),
  maxRetransmits: Uint16.optional(),
});
export type SctpStreamParameters = z.infer<typeof SctpStreamParameters>;

export const IceParameters = z.object({
  usernameFragment: z.string(),
  password: z.string(),
  iceLite: z.boolean().optional(),
});
export type IceParameters = z.infer<typeof IceParameters>;

export const IceCandidate = z.object({
  foundation: z.string(),
  priority: z.number(),
  ip: z.string(),
  protocol: z.enum(['udp', 'tcp']),
  port: Uint16,
  type: z.literal('host'),
  tcpType: z.literal('passive').optional(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const SctpParameters = z.object({
  port: Uint16,
  OS: Uint16,
  MIS: Uint16,
  maxMessageSize: z.number().int().positive().max(MAX_SCTP_MESSAGE_BYTES),
});
export type SctpParameters = z.infer<typeof SctpParameters>;

// ---------------------------------------------------------------------------------------------
// Room tokens

/** What a room token lets its holder do. The SFU checks each action against these. */
export const RoomGrants = z.strictObject({
  publishAudio: z.boolean(),
  publishDriverFrames: z.boolean(),
  /** Crop mode: a small frontalized face-crop video track. */
  publishVideo: z.boolean(),
  subscribe: z.boolean(),
});
export type RoomGrants = z.infer<typeof RoomGrants>;

/** The claims the web app puts in a room token (as a short-lived HS256 JWT). */
export const RoomTokenClaims = z.strictObject({
  roomId: Id,
  userId: Id,
  avatarId: Id,
  displayName: z.string().min(1).max(MAX_DISPLAY_NAME_LENGTH).optional(),
  grants: RoomGrants,
  /** The room's own capacity as the web app knows it; the SFU enforces the smaller of this and its global limit. */
  maxPeers: z.number().int().min(1).max(MAX_PEERS_PER_ROOM).optional(),
});
export type RoomTokenClaims = z.infer<typeof RoomTokenClaims>;

/**
 * The JWT body of a room token as signed by the web app: `sub` is the user, `room`,
 * `avatar`, `name`, `grants` and `max` (the room's capacity) carry the rest of RoomTokenClaims.
 */
export const RoomTokenPayload = z
  .object({
    sub: Id,
    room: Id,
    avatar: Id,
    name: z.string().min(1).max(MAX_DISPLAY_NAME_LENGTH).optional(),
    grants: RoomGrants,
    max: z.number().int().min(1).max(MAX_PEERS_PER_ROOM).optional(),
    iat: z.number().int(),
    exp: z.number().int(),
  })
  // The web app's signer caps the lifetime; checking it here too makes the SFU refuse a token that outlives the cap.
  .refine((payload) => payload.exp - payload.iat <= ROOM_TOKEN_MAX_TTL_SECONDS, {
    message: `a room token lives at most ${ROOM_TOKEN_MAX_TTL_SECONDS} s: exp - iat must be <=${ROOM_TOKEN_MAX_TTL_SECONDS}`,
    path: ['exp'],
  });
export type RoomTokenPayload = z.infer<typeof RoomTokenPayload>;

/** The audience of a room token (its issuer is signed-tokens.ts' TOKEN_ISSUER). */
export const ROOM_TOKEN_AUDIENCE = 'holocall-sfu';

/** The claims of RoomTokenPayload a signer puts in the body (beside `iss`, `aud`, `iat`, `exp`). */
export function roomTokenBody(claims: RoomTokenClaims): Record<string, unknown> {
  const valid = RoomTokenClaims.parse(claims);
  const body: Record<string, unknown> = {
    sub: valid.userId,
    room: valid.roomId,
    avatar: valid.avatarId,
    grants: valid.grants,
  };
  if (valid.displayName !== undefined) body.name = valid.displayName;
  if (valid.maxPeers !== undefined) body.max = valid.maxPeers;
  return body;
}

/**
 * Who a peer is, as stamped by the SFU from that peer's room token. Receivers learn which
 * avatar a producer drives from this, never from anything the sender put in its payload.
 */
export const PeerIdentity = z.strictObject({
  peerId: Id,
  userId: Id,
  avatarId: Id,
  displayName: z.string().max(MAX_DISPLAY_NAME_LENGTH).optional(),
});
export type PeerIdentity = z.infer<typeof PeerIdentity>;

export const ProducerInfo = z.strictObject({
  producerId: Id,
  kind: MediaKind,
  source: ProducerSource,
  owner: PeerIdentity,
});
export type ProducerInfo = z.infer<typeof ProducerInfo>;

export const DataProducerInfo = z.strictObject({
  dataProducerId: Id,
  label: z.literal(DRIVER_DATA_LABEL),
  owner: PeerIdentity,
});
export type DataProducerInfo = z.infer<typeof DataProducerInfo>;

// ---------------------------------------------------------------------------------------------
// Requests (client -> SFU)

/** `token` is optional in the schema so a missing token is answered `unauthenticated`, not `bad_request`. */
export const JoinRequest = z.strictObject({ type: z.literal('join'), roomId: Id, token: Token.optional() });
export const GetRouterRtpCapabilitiesRequest = z.strictObject({ type: z.literal('getRouterRtpCapabilities') });
/** The client's own capabilities (mediasoup-client `device.rtpCapabilities`), needed before it consumes. */
export const SetCapabilitiesRequest = z.strictObject({
  type: z.literal('setCapabilities'),
  rtpCapabilities: RtpCapabilities,
  sctpCapabilities: SctpCapabilities.optional(),
});
export const CreateWebRtcTransportRequest = z.strictObject({
  type: z.literal('createWebRtcTransport'),
  direction: TransportDirection,
  sctpCapabilities: SctpCapabilities.optional(),
});
export const ConnectWebRtcTransportRequest = z.strictObject({
  type: z.literal('connectWebRtcTransport'),
  transportId: Id,
  dtlsParameters: DtlsParameters,
});
export const RestartIceRequest = z.strictObject({ type: z.literal('restartIce'), transportId: Id });
/** No appData: who owns a producer comes from the token, and nothing else may be claimed. */
export const ProduceRequest = z.strictObject({
  type: z.literal('produce'),
  transportId: Id,
  kind: MediaKind,
  source: ProducerSource,
  rtpParameters: RtpParameters,
});
export const ProduceDataRequest = z.strictObject({
  type: z.literal('produceData'),
  transportId: Id,
  label: z.literal(DRIVER_DATA_LABEL),
  protocol: WorkerText(32).optional(),
  /** Driver frames are unordered and never retransmitted: a late frame is worthless. */
  sctpStreamParameters: SctpStreamParameters,
});
export const CloseProducerRequest = z.strictObject({ type: z.literal('closeProducer'), producerId: Id });
export const CloseDataProducerRequest = z.strictObject({ type: z.literal('closeDataProducer'), dataProducerId: Id });
export const ConsumeRequest = z.strictObject({ type: z.literal('consume'), transportId: Id, producerId: Id });
/** Consumers start paused; the client resumes each once its receiver is ready. */
export const ResumeConsumerRequest = z.strictObject({ type: z.literal('resumeConsumer'), consumerId: Id });
export const ConsumeDataRequest = z.strictObject({
  type: z.literal('consumeData'),
  transportId: Id,
  dataProducerId: Id,
});
export const LeaveRequest = z.strictObject({ type: z.literal('leave') });

export const SignalingRequest = z.discriminatedUnion('type', [
  JoinRequest,
  GetRouterRtpCapabilitiesRequest,
  SetCapabilitiesRequest,
  CreateWebRtcTransportRequest,
  ConnectWebRtcTransportRequest,
  RestartIceRequest,
  ProduceRequest,
  ProduceDataRequest,
  CloseProducerRequest,
  CloseDataProducerRequest,
  ConsumeRequest,
  ResumeConsumerRequest,
  ConsumeDataRequest,
  LeaveRequest,
]);
export type SignalingRequest = z.infer<typeof SignalingRequest>;
export type SignalingRequestType = SignalingRequest['type'];
export type SignalingRequestOf<T extends SignalingRequestType> = Extract<SignalingRequest, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Responses (the `data` of a successful acknowledgement)

export const EmptyResponse = z.strictObject({});

export const JoinResponse = z.strictObject({
  roomId: Id,
  self: PeerIdentity,
  grants: RoomGrants,
  routerRtpCapabilities: z.unknown(),
  peers: z.array(PeerIdentity),
  producers: z.array(ProducerInfo),
  dataProducers: z.array(DataProducerInfo),
});

export const RouterRtpCapabilitiesResponse = z.strictObject({ rtpCapabilities: z.unknown() });

export const CreateWebRtcTransportResponse = z.strictObject({
  transportId: Id,
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
  sctpParameters: SctpParameters.optional(),
});

export const RestartIceResponse = z.strictObject({ iceParameters: IceParameters });
export const ProduceResponse = z.strictObject({ producerId: Id });
export const ProduceDataResponse = z.strictObject({ dataProducerId: Id });

export const ConsumeResponse = z.strictObject({
  consumerId: Id,
  producerId: Id,
  kind: MediaKind,
  source: ProducerSource,
  rtpParameters: RtpParameters,
  owner: PeerIdentity,
});

export const ConsumeDataResponse = z.strictObject({
  dataConsumerId: Id,
  dataProducerId: Id,
  label: z.literal(DRIVER_DATA_LABEL),
  protocol: z.string(),
  sctpStreamParameters: SctpStreamParameters,
  owner: PeerIdentity,
});

/** The response schema for each request type, for clients that validate what they receive. */
export const SignalingResponses = {
  join: JoinResponse,
  getRouterRtpCapabilities: RouterRtpCapabilitiesResponse,
  setCapabilities: EmptyResponse,
  createWebRtcTransport: CreateWebRtcTransportResponse,
  connectWebRtcTransport: EmptyResponse,
  restartIce: RestartIceResponse,
  produce: ProduceResponse,
  produceData: ProduceDataResponse,
  closeProducer: EmptyResponse,
  closeDataProducer: EmptyResponse,
  consume: ConsumeResponse,
  resumeConsumer: EmptyResponse,
  consumeData: ConsumeDataResponse,
  leave: EmptyResponse,
} as const satisfies Record<SignalingRequestType, z.ZodType>;

export type SignalingResponseOf<T extends SignalingRequestType> = z.infer<(typeof SignalingResponses)[T]>;

export const WireErrorSchema = z.object({
  code: z.enum(ErrorCode),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** What every request's acknowledgement carries. */
export const SignalingAck = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type SignalingAck = z.infer<typeof SignalingAck>;

// ---------------------------------------------------------------------------------------------
// Notifications (SFU -> client)

export const PeerJoinedNotification = z.strictObject({ type: z.literal('peerJoined'), peer: PeerIdentity });
export const PeerLeftNotification = z.strictObject({ type: z.literal('peerLeft'), peer: PeerIdentity });
export const NewProducerNotification = z.strictObject({ type: z.literal('newProducer'), producer: ProducerInfo });
export const NewDataProducerNotification = z.strictObject({
  type: z.literal('newDataProducer'),
  dataProducer: DataProducerInfo,
});
export const ProducerClosedNotification = z.strictObject({
  type: z.literal('producerClosed'),
  producerId: Id,
  owner: PeerIdentity,
});
export const DataProducerClosedNotification = z.strictObject({
  type: z.literal('dataProducerClosed'),
  dataProducerId: Id,
  owner: PeerIdentity,
});
export const ConsumerClosedNotification = z.strictObject({ type: z.literal('consumerClosed'), consumerId: Id });
export const DataConsumerClosedNotification = z.strictObject({
  type: z.literal('dataConsumerClosed'),
  dataConsumerId: Id,
});
/** Another session of the same user joined this room; this socket is disconnected next. */
export const SessionReplacedNotification = z.strictObject({
  type: z.literal('sessionReplaced'),
  error: WireErrorSchema,
});
/** The room's media worker died (`worker_died`): every mediasoup object is gone; join again. */
export const RejoinRequiredNotification = z.strictObject({
  type: z.literal('rejoinRequired'),
  error: WireErrorSchema,
});
/**
 * A limit was crossed without a request to answer: on the data path (`too_large`,
 * `rate_limited`; the offending frames were dropped), or a deadline (`timeout` with
 * `details.reason` `join_deadline`, the socket is disconnected next; `transport_connect_deadline`
 * with `details.transportId`, that transport is closed).
 */
export const LimitExceededNotification = z.strictObject({
  type: z.literal('limitExceeded'),
  dataProducerId: Id.optional(),
  error: WireErrorSchema,
});

export const SignalingNotification = z.discriminatedUnion('type', [
  PeerJoinedNotification,
  PeerLeftNotification,
  NewProducerNotification,
  NewDataProducerNotification,
  ProducerClosedNotification,
  DataProducerClosedNotification,
  ConsumerClosedNotification,
  DataConsumerClosedNotification,
  SessionReplacedNotification,
  RejoinRequiredNotification,
  LimitExceededNotification,
]);
export type SignalingNotification = z.infer<typeof SignalingNotification>;
export type SignalingNotificationType = SignalingNotification['type'];
export type SignalingNotificationOf<T extends SignalingNotificationType> = Extract<SignalingNotification, { type: T }>;
