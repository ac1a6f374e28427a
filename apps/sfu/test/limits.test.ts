import {
  DRIVER_FRAME_BURST,
  ErrorCode,
  HolocallError,
  MAX_DRIVER_FRAME_BYTES,
  MAX_SIGNALING_MESSAGE_BYTES,
  MAX_TRANSPORTS_PER_PEER,
  SIGNALING_REQUEST_BURST,
} from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/startSfu';
import { SfuTestPeer } from './client/SfuTestPeer';
import { SignalingClient } from './client/SignalingClient';
import { WeriftSendTransport } from './client/WeriftSendTransport';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfuFixture';

async function refusal(promise: Promise<unknown>): Promise<HolocallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HolocallError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('signaling limits and malformed messages', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ maxPeersPerRoom: 2 });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('answers malformed and unknown messages with bad_request, counts them, and keeps serving', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const before = (await sfu.stats()).signaling.refused.bad_request ?? 0;
      const garbage: unknown[] = [
        null,
        42,
        'join',
        [],
        {},
        { type: 'selfDestruct' },
        { type: 'join', roomId: 'has spaces', token: 'x' },
        { type: 'join', roomId: 'r', token: 7 },
        { type: 'createWebRtcTransport', direction: 'sideways' },
        { type: 'produce', transportId: 't', kind: 'audio', source: 'mic', rtpParameters: { codecs: [] } },
        { type: 'leave', extra: true },
      ];
      for (const payload of garbage) {
        const error = await refusal(client.raw(payload));
        expect(error.code).toBe(ErrorCode.BadRequest);
      }
      // An event the protocol does not have, with an acknowledgement to answer on.
      expect((await refusal(client.raw({ type: 'join' }, 'hack'))).code).toBe(ErrorCode.BadRequest);
      // No acknowledgement callback at all: nothing to answer, but the SFU survives and counts it.
      client.socket.emit('request', { type: 'leave' });

      const after = (await sfu.stats()).signaling;
      expect((after.refused.bad_request ?? 0) - before).toBe(garbage.length + 1);
      await eventually(async () => (await sfu.stats()).signaling.unanswerable >= 1, 'the unanswerable count');
      // Still serving.
      const joined = await client.request('join', {
        roomId: 'malformed-room',
        token: await tokenFor('malformed-room', 'm'),
      });
      expect(joined.self.userId).toBe('m');
    } finally {
      client.close();
    }
  });

  it('refuses a message over MAX_SIGNALING_MESSAGE_BYTES with too_large and nothing else changes', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const huge = { type: 'join', roomId: 'big-room', token: 'x'.repeat(MAX_SIGNALING_MESSAGE_BYTES) };
      const error = await refusal(client.raw(huge));
      expect(error.code).toBe(ErrorCode.TooLarge);
      expect(error.details).toMatchObject({ limit: MAX_SIGNALING_MESSAGE_BYTES });
      expect((await sfu.stats()).rooms.some((r) => r.roomId === 'big-room')).toBe(false);
      const joined = await client.request('join', { roomId: 'big-room', token: await tokenFor('big-room', 'b') });
      expect(joined.roomId).toBe('big-room');
    } finally {
      client.close();
    }
  });

  it('rate-limits requests per socket with rate_limited, then serves again', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const attempts = SIGNALING_REQUEST_BURST * 3;
      const results = await Promise.allSettled(
        Array.from({ length: attempts }, () => client.raw({ type: 'getRouterRtpCapabilities' })),
      );
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as HolocallError).code : 'ok'));
      expect(codes.filter((c) => c === ErrorCode.RateLimited).length).toBeGreaterThan(0);
      // The requests that were not rate-limited were answered on their merits (not joined yet).
      expect(codes.filter((c) => c !== ErrorCode.RateLimited).every((c) => c === ErrorCode.Unauthenticated)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await refusal(client.raw({ type: 'getRouterRtpCapabilities' }))).code).toBe(ErrorCode.Unauthenticated);
    } finally {
      client.close();
    }
  });

  it('refuses a peer over the room limit with room_full; the others stay', async () => {
    const a = await joinedPeer(sfu, 'full-room', 'a');
    const b = await joinedPeer(sfu, 'full-room', 'b');
    const c = await SignalingClient.connect(sfu.url);
    try {
      const error = await refusal(c.request('join', { roomId: 'full-room', token: await tokenFor('full-room', 'c') }));
      expect(error.code).toBe(ErrorCode.RoomFull);
      expect((await sfu.stats()).rooms.find((r) => r.roomId === 'full-room')?.peers).toBe(2);
      // The same user joining again replaces its own session instead of counting twice.
      const bAgain = await joinedPeer(sfu, 'full-room', 'b');
      await bAgain.close();
    } finally {
      c.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("enforces the room's own capacity from the token below the SFU's limit", async () => {
    const a = await SfuTestPeer.connect(sfu.url);
    const b = await SignalingClient.connect(sfu.url);
    try {
      await a.join('solo-room', await tokenFor('solo-room', 'a', { maxPeers: 1 }));
      const error = await refusal(
        b.request('join', { roomId: 'solo-room', token: await tokenFor('solo-room', 'b', { maxPeers: 1 }) }),
      );
      expect(error.code).toBe(ErrorCode.RoomFull);
      expect(error.details).toMatchObject({ limit: 1 });
      expect((await sfu.stats()).rooms.find((r) => r.roomId === 'solo-room')?.peers).toBe(1);
    } finally {
      b.close();
      await a.close();
    }
  });

  it('refuses transports beyond MAX_TRANSPORTS_PER_PEER with conflict', async () => {
    const peer = await joinedPeer(sfu, 'transport-room', 't');
    try {
      for (let i = 0; i < MAX_TRANSPORTS_PER_PEER; i += 1) {
        await peer.signaling.request('createWebRtcTransport', { direction: i % 2 === 0 ? 'send' : 'recv' });
      }
      const error = await refusal(peer.signaling.request('createWebRtcTransport', { direction: 'send' }));
      expect(error.code).toBe(ErrorCode.Conflict);
    } finally {
      await peer.close();
    }
  });

  it('refuses a reliable or ordered driver-frame channel', async () => {
    const peer = await joinedPeer(sfu, 'reliable-room', 'r');
    const send = await WeriftSendTransport.create(peer.signaling);
    try {
      // maxRetransmits 0 without ordered:false is an ordered channel: refused.
      const error = await refusal(send.produceDriverFrames({ maxRetransmits: 0 }));
      expect(error.code).toBe(ErrorCode.BadRequest);
    } finally {
      await send.close();
      await peer.close();
    }
  });
});

describe('driver frame limits on the data path', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('drops a frame over MAX_DRIVER_FRAME_BYTES, tells the sender too_large, and keeps forwarding good frames', async () => {
    const sender = await joinedPeer(sfu, 'size-room', 'sender');
    const receiver = await joinedPeer(sfu, 'size-room', 'receiver');
    try {
      const sizes: number[] = [];
      receiver.onFrame((_owner, frame) => sizes.push(frame.length));
      await sender.publishDriverFrames();
      await receiver.subscribe({ media: false });
      // Wait until the path is open with small frames.
      await eventually(() => {
        sender.sendFrame(Buffer.alloc(40, 1));
        return sizes.length > 0;
      }, 'a first frame');
      sender.sendFrame(Buffer.alloc(MAX_DRIVER_FRAME_BYTES + 1, 2));
      const notice = await sender.signaling.waitFor('limitExceeded');
      expect(notice.error.code).toBe(ErrorCode.TooLarge);
      expect(notice.error.details).toMatchObject({ limit: MAX_DRIVER_FRAME_BYTES, actual: MAX_DRIVER_FRAME_BYTES + 1 });
      const countBefore = sizes.length;
      await eventually(() => {
        sender.sendFrame(Buffer.alloc(MAX_DRIVER_FRAME_BYTES, 3));
        return sizes.length > countBefore;
      }, 'frames after the oversized one');
      expect(sizes.every((size) => size <= MAX_DRIVER_FRAME_BYTES)).toBe(true);
      const channel = (await sfu.stats()).rooms[0]?.driverChannels[0];
      expect(channel?.droppedTooLarge).toBe(1);
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  it('drops frames beyond the rate limit and tells the sender rate_limited', async () => {
    const sender = await joinedPeer(sfu, 'rate-room', 'fast');
    const receiver = await joinedPeer(sfu, 'rate-room', 'slow');
    try {
      let received = 0;
      receiver.onFrame(() => {
        received += 1;
      });
      await sender.publishDriverFrames();
      await receiver.subscribe({ media: false });
      await eventually(() => {
        sender.sendFrame(Buffer.alloc(40));
        return received > 0;
      }, 'a first frame');
      // Wait for the bucket to refill, then burst far past it in one go.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const burst = DRIVER_FRAME_BURST * 10;
      for (let i = 0; i < burst; i += 1) sender.sendFrame(Buffer.alloc(40));
      const notice = await sender.signaling.waitFor('limitExceeded');
      expect(notice.error.code).toBe(ErrorCode.RateLimited);
      const channel = (await sfu.stats()).rooms.find((r) => r.roomId === 'rate-room')?.driverChannels[0];
      expect(channel?.droppedRateLimited).toBeGreaterThan(0);
      expect(channel?.messagesOut).toBeLessThan(channel?.messagesIn ?? 0);
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });
});
