import { describe, expect, it } from 'vitest';
import { ErrorCode, HolocallError } from '../src/errors';
import {
  DRIVER_DATA_LABEL,
  RoomTokenClaims,
  SignalingAck,
  SignalingNotification,
  SignalingRequest,
  SignalingResponses,
} from '../src/signaling';
import {
  JOIN_DEADLINE_MS,
  MAX_ID_LENGTH,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_SIGNALING_MESSAGE_BYTES,
  SIGNALING_LIMIT_REASONS,
  TRANSPORT_CONNECT_DEADLINE_MS,
} from '../src/signaling-limits';
import { jsonByteLength, parseMessage } from '../src/validate';

const OPUS_RTP_PARAMETERS = {
  mid: '0',
  codecs: [
    { mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 }],
  encodings: [{ ssrc: 1234, dtx: false }],
  rtcp: { cname: 'abc', reducedSize: true },
};

function refused(value: unknown): HolocallError {
  try {
    parseMessage(SignalingRequest, value);
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('signaling requests', () => {
  it('accepts each well-formed request', () => {
    const requests = [
      { type: 'join', roomId: 'room-1', token: 'a.b.c' },
      { type: 'join', roomId: 'room-1' },
      { type: 'getRouterRtpCapabilities' },
      {
        type: 'setCapabilities',
        rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] },
        sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } },
      },
      { type: 'createWebRtcTransport', direction: 'send', sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } } },
      {
        type: 'connectWebRtcTransport',
        transportId: 't-1',
        dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
      },
      { type: 'restartIce', transportId: 't-1' },
      { type: 'produce', transportId: 't-1', kind: 'audio', source: 'mic', rtpParameters: OPUS_RTP_PARAMETERS },
      {
        type: 'produceData',
        transportId: 't-1',
        label: DRIVER_DATA_LABEL,
        sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
      },
      { type: 'closeProducer', producerId: 'p' },
      { type: 'closeDataProducer', dataProducerId: 'd' },
      { type: 'consume', transportId: 't-2', producerId: 'p' },
      { type: 'resumeConsumer', consumerId: 'c' },
      { type: 'consumeData', transportId: 't-2', dataProducerId: 'd' },
      { type: 'leave' },
    ];
    for (const request of requests) expect(parseMessage(SignalingRequest, request).type).toBe(request.type);
    // Every request type has a response schema.
    expect(Object.keys(SignalingResponses).sort()).toEqual([...new Set(requests.map((r) => r.type))].sort());
  });

  it('refuses unknown types, extra keys and out-of-range values with bad_request and the failing path', () => {
    expect(refused({ type: 'nuke' }).code).toBe(ErrorCode.BadRequest);
    expect(refused(null).code).toBe(ErrorCode.BadRequest);
    const extra = refused({ type: 'leave', admin: true });
    expect(extra.code).toBe(ErrorCode.BadRequest);
    // No appData anywhere: a client cannot claim an owner for its producer.
    const claimed = refused({
      type: 'produce',
      transportId: 't',
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS_RTP_PARAMETERS,
      appData: { userId: 'someone-else' },
    });
    expect(claimed.code).toBe(ErrorCode.BadRequest);
    const bad = refused({
      type: 'produce',
      transportId: 't',
      kind: 'audio',
      source: 'mic',
      rtpParameters: { codecs: [] },
    });
    expect(JSON.stringify(bad.details)).toContain('rtpParameters.codecs');
    expect(refused({ type: 'join', roomId: 'x'.repeat(MAX_ID_LENGTH + 1) }).code).toBe(ErrorCode.BadRequest);
    expect(refused({ type: 'join', roomId: 'r', token: 'x'.repeat(MAX_ROOM_TOKEN_LENGTH + 1) }).code).toBe(
      ErrorCode.BadRequest,
    );
    expect(refused({ type: 'join', roomId: '../etc' }).code).toBe(ErrorCode.BadRequest);
    expect(
      refused({
        type: 'produceData',
        transportId: 't',
        label: 'something-else',
        sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 },
      }).code,
    ).toBe(ErrorCode.BadRequest);
    expect(
      refused({
        type: 'produce',
        transportId: 't',
        kind: 'audio',
        source: 'mic',
        rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: Array(17).fill(OPUS_RTP_PARAMETERS.codecs[0]) },
      }).code,
    ).toBe(ErrorCode.BadRequest);
  });

  it('strips fields browsers add to mediasoup objects instead of refusing them', () => {
    const request = parseMessage(SignalingRequest, {
      type: 'produce',
      transportId: 't',
      kind: 'video',
      source: 'crop',
      rtpParameters: {
        ...OPUS_RTP_PARAMETERS,
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
        encodings: [{ ssrc: 5, active: true, priority: 'high', maxBitrate: 300_000 }],
      },
    });
    expect(request.type === 'produce' && request.rtpParameters.encodings).toEqual([{ ssrc: 5, maxBitrate: 300_000 }]);
  });

  it('a browser-sized capabilities request fits under MAX_SIGNALING_MESSAGE_BYTES', () => {
    // The largest realistic request: rtpCapabilities from a browser (about 30 codecs).
    const codec = {
      kind: 'video',
      mimeType: 'video/VP8',
      clockRate: 90000,
      preferredPayloadType: 96,
      rtcpFeedback: [{ type: 'nack' }],
    };
    const request = { type: 'setCapabilities', rtpCapabilities: { codecs: Array(30).fill(codec) } };
    expect(parseMessage(SignalingRequest, request).type).toBe('setCapabilities');
    expect(jsonByteLength(request)).toBeLessThan(MAX_SIGNALING_MESSAGE_BYTES);
  });
});

describe('acknowledgements, notifications and token claims', () => {
  it('parses both kinds of acknowledgement', () => {
    expect(SignalingAck.parse({ ok: true, data: {} }).ok).toBe(true);
    const failed = SignalingAck.parse({
      ok: false,
      error: { code: 'room_full', message: 'full', details: { limit: 2 } },
    });
    expect(failed.ok).toBe(false);
    expect(() => SignalingAck.parse({ ok: false, error: { code: 'not-a-code', message: '' } })).toThrow();
  });

  it('parses notifications and carries the owner the SFU stamped', () => {
    const owner = { peerId: 'p1', userId: 'u1', avatarId: 'a1' };
    const notice = SignalingNotification.parse({
      type: 'newDataProducer',
      dataProducer: { dataProducerId: 'd1', label: DRIVER_DATA_LABEL, owner },
    });
    expect(notice.type === 'newDataProducer' && notice.dataProducer.owner).toEqual(owner);
    expect(
      SignalingNotification.parse({ type: 'rejoinRequired', error: { code: 'worker_died', message: 'x' } }).type,
    ).toBe('rejoinRequired');
  });

  it('carries a deadline as limitExceeded without a data producer, its reason from SIGNALING_LIMIT_REASONS', () => {
    const joinDeadline = SignalingNotification.parse({
      type: 'limitExceeded',
      error: {
        code: 'timeout',
        message: 'no room joined in time',
        details: { reason: 'join_deadline', limit: JOIN_DEADLINE_MS },
      },
    });
    const transportDeadline = SignalingNotification.parse({
      type: 'limitExceeded',
      error: {
        code: 'timeout',
        message: 'the transport did not connect in time and was closed',
        details: { reason: 'transport_connect_deadline', limit: TRANSPORT_CONNECT_DEADLINE_MS, transportId: 't1' },
      },
    });
    for (const notice of [joinDeadline, transportDeadline]) {
      expect(notice.type === 'limitExceeded' && SIGNALING_LIMIT_REASONS).toContain(
        notice.type === 'limitExceeded' ? notice.error.details?.reason : undefined,
      );
    }
  });

  it('room token claims need every grant spelled out', () => {
    const claims = {
      roomId: 'r',
      userId: 'u',
      avatarId: 'a',
      grants: { publishAudio: true, publishDriverFrames: true, publishVideo: false, subscribe: true },
    };
    expect(RoomTokenClaims.parse(claims)).toEqual(claims);
    expect(() => RoomTokenClaims.parse({ ...claims, grants: { publishAudio: true } })).toThrow();
    expect(() => RoomTokenClaims.parse({ ...claims, admin: true })).toThrow();
  });
});
