import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ErrorCode, HolocallError } from '../src/errors';
import {
  DRIVER_DATA_LABEL,
  Id,
  RoomTokenClaims,
  RoomTokenPayload,
  SignalingNotification,
  SignalingRequest,
  type SignalingRequestOf,
  type SignalingRequestType,
  SignalingResponses,
} from '../src/signaling';
import {
  MAX_DISPLAY_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_PEERS_PER_ROOM,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_SCTP_MESSAGE_BYTES,
  MAX_SIGNALING_MESSAGE_BYTES,
  ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
} from '../src/signaling-limits';
import { jsonByteLength, parseMessage } from '../src/validate';

/**
 * The message-shape limits of signaling-limits.ts, crossed through the entry point the SFU
 * uses (`parseMessage` with the protocol's schemas): each value at its limit passes, one more
 * is refused with `bad_request` and an issue that names the field and the limit. The limits
 * the SFU process enforces (message bytes, rates, peers, transports, SCTP) are crossed against
 * a real SFU in apps/sfu/test/limits.test.ts.
 */

const OPUS_RTP_PARAMETERS = {
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 1234 }],
};

/** One valid request of every type; a new request type does not compile until it has one. */
const VALID_REQUESTS: { [T in SignalingRequestType]: SignalingRequestOf<T> } = {
  join: { type: 'join', roomId: 'room-1', token: 'a.b.c' },
  getRouterRtpCapabilities: { type: 'getRouterRtpCapabilities' },
  setCapabilities: {
    type: 'setCapabilities',
    rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] },
  },
  createWebRtcTransport: { type: 'createWebRtcTransport', direction: 'send' },
  connectWebRtcTransport: {
    type: 'connectWebRtcTransport',
    transportId: 't-1',
    dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
  },
  restartIce: { type: 'restartIce', transportId: 't-1' },
  produce: { type: 'produce', transportId: 't-1', kind: 'audio', source: 'mic', rtpParameters: OPUS_RTP_PARAMETERS },
  produceData: {
    type: 'produceData',
    transportId: 't-1',
    label: DRIVER_DATA_LABEL,
    sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
  },
  closeProducer: { type: 'closeProducer', producerId: 'p-1' },
  closeDataProducer: { type: 'closeDataProducer', dataProducerId: 'd-1' },
  consume: { type: 'consume', transportId: 't-2', producerId: 'p-1' },
  resumeConsumer: { type: 'resumeConsumer', consumerId: 'c-1' },
  consumeData: { type: 'consumeData', transportId: 't-2', dataProducerId: 'd-1' },
  leave: { type: 'leave' },
};

const GRANTS = { publishAudio: true, publishDriverFrames: true, publishVideo: false, subscribe: true };
const CLAIMS = { roomId: 'room-1', userId: 'user-1', avatarId: 'avatar-1', displayName: 'Ada', grants: GRANTS };
const ISSUED_AT = 1_700_000_000;
/** A room token body as the web app signs it with the default lifetime. */
const PAYLOAD = {
  sub: 'user-1',
  room: 'room-1',
  avatar: 'avatar-1',
  name: 'Ada',
  grants: GRANTS,
  iss: 'holocall-web',
  aud: 'holocall-sfu',
  iat: ISSUED_AT,
  exp: ISSUED_AT + ROOM_TOKEN_DEFAULT_TTL_SECONDS,
};
const OWNER = { peerId: 'peer-1', userId: 'user-1', avatarId: 'avatar-1', displayName: 'Ada' };

function refusal(schema: z.ZodType, value: unknown): HolocallError {
  try {
    parseMessage(schema, value);
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(value).slice(0, 200)} to be refused`);
}

/** Refused with bad_request, and the issue names the field and the limit it crossed. */
function expectRefusedAt(schema: z.ZodType, value: unknown, path: string, limit: number): void {
  const error = refusal(schema, value);
  expect(error.code).toBe(ErrorCode.BadRequest);
  expect(error.details?.issues).toContainEqual({ path, message: expect.stringContaining(`<=${limit}`) });
}

function expectAccepted(schema: z.ZodType, value: unknown): void {
  expect(() => parseMessage(schema, value)).not.toThrow();
}

/** Keys of a schema's shape that are the protocol's `Id`. */
function idKeys(shape: Record<string, unknown>): string[] {
  return Object.keys(shape).filter((key) => shape[key] === Id);
}

describe('MAX_ID_LENGTH', () => {
  const atLimit = 'i'.repeat(MAX_ID_LENGTH);
  const past = 'i'.repeat(MAX_ID_LENGTH + 1);

  it('every id field of every request: MAX_ID_LENGTH characters pass, one more is refused naming the field', () => {
    const crossed: string[] = [];
    for (const option of SignalingRequest.options) {
      const type = option.shape.type.value;
      const valid = VALID_REQUESTS[type];
      expectAccepted(SignalingRequest, valid);
      for (const key of idKeys(option.shape)) {
        expectAccepted(SignalingRequest, { ...valid, [key]: atLimit });
        expectRefusedAt(SignalingRequest, { ...valid, [key]: past }, key, MAX_ID_LENGTH);
        crossed.push(`${type}.${key}`);
      }
    }
    // The walk above found the ids (a schema that stopped using `Id` would drop out of it).
    expect(crossed).toEqual(
      expect.arrayContaining([
        'join.roomId',
        'connectWebRtcTransport.transportId',
        'restartIce.transportId',
        'produce.transportId',
        'produceData.transportId',
        'closeProducer.producerId',
        'closeDataProducer.dataProducerId',
        'consume.transportId',
        'consume.producerId',
        'resumeConsumer.consumerId',
        'consumeData.transportId',
        'consumeData.dataProducerId',
      ]),
    );
  });

  it('ids in room token claims, signed token bodies and the peer identities the SFU announces', () => {
    const cases: [z.ZodObject, Record<string, unknown>, string[]][] = [
      [RoomTokenClaims, CLAIMS, ['roomId', 'userId', 'avatarId']],
      [RoomTokenPayload, PAYLOAD, ['sub', 'room', 'avatar']],
    ];
    for (const [schema, valid, keys] of cases) {
      expect(idKeys(schema.shape)).toEqual(keys);
      expectAccepted(schema, valid);
      for (const key of keys) {
        expectAccepted(schema, { ...valid, [key]: atLimit });
        expectRefusedAt(schema, { ...valid, [key]: past }, key, MAX_ID_LENGTH);
      }
    }
    for (const key of ['peerId', 'userId', 'avatarId']) {
      const notice = (peer: object) => ({ type: 'peerJoined', peer });
      expectAccepted(SignalingNotification, notice({ ...OWNER, [key]: atLimit }));
      expectRefusedAt(SignalingNotification, notice({ ...OWNER, [key]: past }), `peer.${key}`, MAX_ID_LENGTH);
    }
  });
});

describe('MAX_ROOM_TOKEN_LENGTH', () => {
  it('a join with a token of MAX_ROOM_TOKEN_LENGTH characters passes, one more is refused before it is parsed', () => {
    expectAccepted(SignalingRequest, { ...VALID_REQUESTS.join, token: 't'.repeat(MAX_ROOM_TOKEN_LENGTH) });
    expectRefusedAt(
      SignalingRequest,
      { ...VALID_REQUESTS.join, token: 't'.repeat(MAX_ROOM_TOKEN_LENGTH + 1) },
      'token',
      MAX_ROOM_TOKEN_LENGTH,
    );
  });
});

describe('MAX_DISPLAY_NAME_LENGTH', () => {
  const atLimit = 'n'.repeat(MAX_DISPLAY_NAME_LENGTH);
  const past = 'n'.repeat(MAX_DISPLAY_NAME_LENGTH + 1);

  it('in room token claims and signed token bodies', () => {
    expectAccepted(RoomTokenClaims, { ...CLAIMS, displayName: atLimit });
    expectRefusedAt(RoomTokenClaims, { ...CLAIMS, displayName: past }, 'displayName', MAX_DISPLAY_NAME_LENGTH);
    expectAccepted(RoomTokenPayload, { ...PAYLOAD, name: atLimit });
    expectRefusedAt(RoomTokenPayload, { ...PAYLOAD, name: past }, 'name', MAX_DISPLAY_NAME_LENGTH);
  });

  it('in the peer identities the SFU announces', () => {
    expectAccepted(SignalingNotification, { type: 'peerJoined', peer: { ...OWNER, displayName: atLimit } });
    expectRefusedAt(
      SignalingNotification,
      { type: 'peerJoined', peer: { ...OWNER, displayName: past } },
      'peer.displayName',
      MAX_DISPLAY_NAME_LENGTH,
    );
  });
});

describe('MAX_PEERS_PER_ROOM', () => {
  it('a room token may claim a capacity of MAX_PEERS_PER_ROOM, not one more', () => {
    expectAccepted(RoomTokenClaims, { ...CLAIMS, maxPeers: MAX_PEERS_PER_ROOM });
    expectRefusedAt(RoomTokenClaims, { ...CLAIMS, maxPeers: MAX_PEERS_PER_ROOM + 1 }, 'maxPeers', MAX_PEERS_PER_ROOM);
    expectAccepted(RoomTokenPayload, { ...PAYLOAD, max: MAX_PEERS_PER_ROOM });
    expectRefusedAt(RoomTokenPayload, { ...PAYLOAD, max: MAX_PEERS_PER_ROOM + 1 }, 'max', MAX_PEERS_PER_ROOM);
  });
});

describe('room token lifetimes', () => {
  it('a token body living ROOM_TOKEN_MAX_TTL_SECONDS passes, one second more is refused', () => {
    // PAYLOAD itself lives ROOM_TOKEN_DEFAULT_TTL_SECONDS: the default is accepted.
    expectAccepted(RoomTokenPayload, PAYLOAD);
    expectAccepted(RoomTokenPayload, { ...PAYLOAD, exp: ISSUED_AT + ROOM_TOKEN_MAX_TTL_SECONDS });
    expectRefusedAt(
      RoomTokenPayload,
      { ...PAYLOAD, exp: ISSUED_AT + ROOM_TOKEN_MAX_TTL_SECONDS + 1 },
      'exp',
      ROOM_TOKEN_MAX_TTL_SECONDS,
    );
  });
});

describe('MAX_SCTP_MESSAGE_BYTES', () => {
  it('a transport may announce a maximum SCTP message of MAX_SCTP_MESSAGE_BYTES, not one more', () => {
    const transport = {
      transportId: 't-1',
      iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
      iceCandidates: [{ foundation: 'f', priority: 1, ip: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' }],
      dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
    };
    const sctp = (maxMessageSize: number) => ({ sctpParameters: { port: 5000, OS: 1024, MIS: 1024, maxMessageSize } });
    const schema = SignalingResponses.createWebRtcTransport;
    expectAccepted(schema, { ...transport, ...sctp(MAX_SCTP_MESSAGE_BYTES) });
    expectRefusedAt(
      schema,
      { ...transport, ...sctp(MAX_SCTP_MESSAGE_BYTES + 1) },
      'sctpParameters.maxMessageSize',
      MAX_SCTP_MESSAGE_BYTES,
    );
  });
});

describe('MAX_SIGNALING_MESSAGE_BYTES', () => {
  it('is held against UTF-8 bytes of the JSON form (jsonByteLength, what the SFU measures), not characters', () => {
    // Under the limit in characters, over it in bytes: the SFU must see the second as too large.
    const token = 'é'.repeat(MAX_SIGNALING_MESSAGE_BYTES / 2);
    const request = { type: 'join', roomId: 'r', token };
    expect(JSON.stringify(request).length).toBeLessThan(MAX_SIGNALING_MESSAGE_BYTES);
    expect(jsonByteLength(request)).toBe(JSON.stringify(request).length + token.length);
    expect(jsonByteLength(request)).toBeGreaterThan(MAX_SIGNALING_MESSAGE_BYTES);
    // A message that cannot be serialised counts as infinitely large rather than as empty.
    const cyclic: Record<string, unknown> = { type: 'leave' };
    cyclic.self = cyclic;
    expect(jsonByteLength(cyclic)).toBe(Number.POSITIVE_INFINITY);
  });
});
