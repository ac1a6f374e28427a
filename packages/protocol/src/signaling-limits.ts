/**
 * Limits on everything a client may send to the SFU, in one place.
 *
 * The SFU enforces them; clients may read them to stay inside. Crossing one gets a typed
 * error (`too_large`, `rate_limited`, `room_full`, `conflict`) and changes nothing else; the caps
 * and deadlines on sockets, rooms and transports also carry `details: { reason, limit }`.
 * The size of one driver frame is bounded by `MAX_DRIVER_FRAME_BYTES` in the driver-frame codec.
 */

/** UTF-8 bytes of one signaling request as JSON. Router capabilities and RTP parameters fit in a few KiB. */
export const MAX_SIGNALING_MESSAGE_BYTES = 32 * 1024;

/** Sustained signaling requests per second per socket (token bucket refill rate). */
export const MAX_SIGNALING_REQUESTS_PER_SECOND = 20;

/** Requests a socket may send at once before the refill rate applies (a join needs about 10). */
export const SIGNALING_REQUEST_BURST = 40;

/** Peers in one room. Each peer consumes every other peer's audio and driver frames: N*(N-1) consumers of each. */
export const MAX_PEERS_PER_ROOM = 32;

/** WebRtcTransports one peer may hold at once (a send and a receive transport, plus room to replace them). */
export const MAX_TRANSPORTS_PER_PEER = 4;

/** Rooms one user (the room token's subject) may be seated in at once; joining a room again replaces, not adds. */
export const MAX_ROOMS_PER_USER = 4;

/** WebRtcTransports one user may hold at once over all rooms: a send and a receive transport in each of them. */
export const MAX_TRANSPORTS_PER_USER = 2 * MAX_ROOMS_PER_USER;

/** Open sockets that have presented one user's room token (joined, or left but still connected). */
export const MAX_SOCKETS_PER_USER = 2 * MAX_ROOMS_PER_USER;

/**
 * Open sockets from one address (behind a proxy: the address it forwards). Above a full room
 * so a test machine or one office behind NAT can fill a room; far below a flood.
 */
export const MAX_SOCKETS_PER_ADDRESS = 2 * MAX_PEERS_PER_ROOM;

/**
 * A socket must have joined a room this long after it connects, or after its session ends
 * (`leave`, a dead worker), else it is told `limitExceeded` and disconnected. A join in flight counts.
 */
export const JOIN_DEADLINE_MS = 10_000;

/**
 * A WebRtcTransport must reach DTLS `connected` this long after it is put to use, else it is
 * closed (with everything on it) and its peer told `limitExceeded`. A send transport is in use
 * from its creation; a receive transport from its first consumer, because a client alone in a
 * room has created one with nothing to receive yet (and mediasoup-client connects it on the first).
 */
export const TRANSPORT_CONNECT_DEADLINE_MS = 10_000;

/** `details.reason` of a refusal or `limitExceeded` for one of the caps and deadlines above. */
export const SIGNALING_LIMIT_REASONS = [
  'rooms_per_user',
  'transports_per_peer',
  'transports_per_user',
  'sockets_per_user',
  'sockets_per_address',
  'join_deadline',
  'transport_connect_deadline',
] as const;
export type SignalingLimitReason = (typeof SIGNALING_LIMIT_REASONS)[number];

/** Driver frames per second per sender, sustained. Capture runs at 30 Hz; twice that absorbs jitter. */
export const MAX_DRIVER_FRAMES_PER_SECOND = 60;

/** Driver frames a sender may send back to back before the rate applies (one second of capture). */
export const DRIVER_FRAME_BURST = 30;

/**
 * Largest SCTP message the SFU's send transports accept at all (announced to clients as
 * `sctpParameters.maxMessageSize`). It sits well above the driver-frame limit on purpose:
 * frames between the two reach the SFU, which drops them and answers `too_large`; anything
 * larger is discarded by the media worker itself.
 */
export const MAX_SCTP_MESSAGE_BYTES = 64 * 1024;

/**
 * Longest lifetime the web app may give a room token (`exp - iat`): signing refuses more, and so
 * does the token schema the SFU checks at join. Tokens are checked at join only.
 */
export const ROOM_TOKEN_MAX_TTL_SECONDS = 60 * 60;

/** The lifetime the web app should normally use: enough to join and to rejoin after a worker restart. */
export const ROOM_TOKEN_DEFAULT_TTL_SECONDS = 10 * 60;

/** Clock skew between the web app and the SFU that a room token's expiry check forgives. */
export const ROOM_TOKEN_CLOCK_SKEW_SECONDS = 5;

/** Characters in a room token (a compact JWS); anything longer is refused before it is parsed. */
export const MAX_ROOM_TOKEN_LENGTH = 4096;

/** Characters in a room, user, avatar or mediasoup object id. */
export const MAX_ID_LENGTH = 64;

/** Characters in a display name carried by a room token. */
export const MAX_DISPLAY_NAME_LENGTH = 80;
