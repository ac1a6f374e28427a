import {
  DRIVER_FRAME_BURST,
  ErrorCode,
  type HolocallError,
  JOIN_DEADLINE_MS,
  MAX_DRIVER_FRAME_BYTES,
  MAX_DRIVER_FRAMES_PER_SECOND,
  MAX_PEERS_PER_ROOM,
  MAX_ROOMS_PER_USER,
  MAX_SCTP_MESSAGE_BYTES,
  MAX_SIGNALING_MESSAGE_BYTES,
  MAX_SIGNALING_REQUESTS_PER_SECOND,
  MAX_SOCKETS_PER_ADDRESS,
  MAX_SOCKETS_PER_USER,
  MAX_TRANSPORTS_PER_PEER,
  MAX_TRANSPORTS_PER_USER,
  ROOM_TOKEN_DEFAULT_TTL_SECONDS,
  ROOM_TOKEN_MAX_TTL_SECONDS,
  SIGNALING_REQUEST_BURST,
  TRANSPORT_CONNECT_DEADLINE_MS,
} from '@holocall/protocol';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { SfuTestPeer } from './support/client/sfu-test-peer';
import { SignalingClient } from './support/client/signaling-client';
import { WeriftSendTransport } from './support/client/werift-send-transport';
import {
  burst,
  drainRequestBucket,
  joinOfBytes,
  refusal,
  setCapabilitiesOfBytes,
  signRawRoomToken,
} from './support/limit-probes';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

/**
 * Each limit of signaling-limits.ts that the SFU process enforces, crossed against a real SFU:
 * just past the limit is refused with its typed error (code and the limit in `details`), and
 * where it is cheap, exactly at the limit passes. The message-shape limits (ids, token length,
 * display names, room capacity claims) are crossed in packages/protocol/test/signaling-limits.test.ts.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('takes a message of exactly MAX_SIGNALING_MESSAGE_BYTES, refuses one byte more with too_large, and nothing else changes', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const past = joinOfBytes('big-room', MAX_SIGNALING_MESSAGE_BYTES + 1);
      const error = await refusal(client.raw(past));
      expect(error.code).toBe(ErrorCode.TooLarge);
      expect(error.details).toMatchObject({
        limit: MAX_SIGNALING_MESSAGE_BYTES,
        actual: MAX_SIGNALING_MESSAGE_BYTES + 1,
      });
      // Bytes, not characters: fewer characters than the limit, more UTF-8 bytes.
      const accented = { type: 'join', roomId: 'big-room', token: 'é'.repeat(MAX_SIGNALING_MESSAGE_BYTES / 2) };
      expect(JSON.stringify(accented).length).toBeLessThan(MAX_SIGNALING_MESSAGE_BYTES);
      expect((await refusal(client.raw(accented))).code).toBe(ErrorCode.TooLarge);
      expect((await sfu.stats()).rooms.some((r) => r.roomId === 'big-room')).toBe(false);
      const joined = await client.request('join', { roomId: 'big-room', token: await tokenFor('big-room', 'b') });
      expect(joined.roomId).toBe('big-room');
      // A valid request of exactly the limit is served.
      expect(await client.raw(setCapabilitiesOfBytes(MAX_SIGNALING_MESSAGE_BYTES))).toEqual({});
      const overByOne = await refusal(client.raw(setCapabilitiesOfBytes(MAX_SIGNALING_MESSAGE_BYTES + 1)));
      expect(overByOne.code).toBe(ErrorCode.TooLarge);
    } finally {
      client.close();
    }
  });

  it('serves SIGNALING_REQUEST_BURST requests at once, refuses more with rate_limited, then refills at MAX_SIGNALING_REQUESTS_PER_SECOND', async () => {
    const client = await SignalingClient.connect(sfu.url);
    const request = { type: 'getRouterRtpCapabilities' };
    try {
      // A new socket's bucket is full: the whole burst is answered on its merits (not joined yet).
      const first = await burst(client, SIGNALING_REQUEST_BURST * 3, request);
      expect(first.codes.slice(0, SIGNALING_REQUEST_BURST)).toEqual(
        Array(SIGNALING_REQUEST_BURST).fill(ErrorCode.Unauthenticated),
      );
      // Beyond the burst only what the rate refilled while they were handled gets through.
      expect(first.passed).toBeLessThanOrEqual(
        SIGNALING_REQUEST_BURST + Math.floor(MAX_SIGNALING_REQUESTS_PER_SECOND * first.elapsedS),
      );
      const limited = first.errors.find((e) => e.code === ErrorCode.RateLimited);
      expect(limited?.details).toEqual({
        limitPerSecond: MAX_SIGNALING_REQUESTS_PER_SECOND,
        burst: SIGNALING_REQUEST_BURST,
      });
      // The requests that were not rate-limited were answered on their merits (not joined yet).
      expect(first.codes.filter((c) => c !== ErrorCode.RateLimited).every((c) => c === ErrorCode.Unauthenticated)).toBe(
        true,
      );

      // Empty the bucket, wait a little over a second: about one second's rate is back, not more.
      const drainedAfter = await drainRequestBucket(client, request);
      await sleep(1100);
      const second = await burst(client, MAX_SIGNALING_REQUESTS_PER_SECOND * 3, request);
      const windowS = (performance.now() - drainedAfter) / 1000;
      expect(second.passed).toBeGreaterThanOrEqual(MAX_SIGNALING_REQUESTS_PER_SECOND);
      expect(second.passed).toBeLessThanOrEqual(Math.floor(1 + MAX_SIGNALING_REQUESTS_PER_SECOND * windowS));
      expect(
        second.codes.filter((c) => c !== ErrorCode.RateLimited).every((c) => c === ErrorCode.Unauthenticated),
      ).toBe(true);
    } finally {
      client.close();
    }
  });

  it('spends the same request bucket on events the protocol does not have, so made-up event names cannot flood it', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const sent = SIGNALING_REQUEST_BURST * 3;
      const start = performance.now();
      const flood = Array.from({ length: sent }, (_, i) => client.raw({ type: 'join' }, `made-up-${i}`));
      // Sent right behind the flood (socket.io keeps the order), so the bucket has no time to
      // refill in between: waiting for the flood's answers first left a 50 ms refill (20/s) to chance.
      const right = refusal(client.raw({ type: 'getRouterRtpCapabilities' }));
      const results = await Promise.allSettled(flood);
      const elapsedS = (performance.now() - start) / 1000;
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as HolocallError).code : 'ok'));
      // Every one is refused: bad_request while the bucket lasts, rate_limited beyond it.
      expect(codes.every((c) => c === ErrorCode.BadRequest || c === ErrorCode.RateLimited)).toBe(true);
      const answered = codes.filter((c) => c === ErrorCode.BadRequest).length;
      expect(answered).toBeGreaterThanOrEqual(SIGNALING_REQUEST_BURST);
      expect(answered).toBeLessThanOrEqual(
        SIGNALING_REQUEST_BURST + Math.floor(MAX_SIGNALING_REQUESTS_PER_SECOND * elapsedS),
      );
      // The bucket is the socket's, not the event's: a real request right after is limited too.
      expect((await right).code).toBe(ErrorCode.RateLimited);
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
      expect(error.details).toEqual({ reason: 'transports_per_peer', limit: MAX_TRANSPORTS_PER_PEER });
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

  it('joins with tokens of the default and the longest lifetime; refuses one that lives a second longer', async () => {
    const client = await SignalingClient.connect(sfu.url);
    try {
      const byDefault = await tokenFor('ttl-room', 'ttl', { ttlSeconds: ROOM_TOKEN_DEFAULT_TTL_SECONDS });
      const { exp, iat } = decodeJwt(byDefault);
      expect((exp ?? 0) - (iat ?? 0)).toBe(ROOM_TOKEN_DEFAULT_TTL_SECONDS);
      expect((await client.request('join', { roomId: 'ttl-room', token: byDefault })).roomId).toBe('ttl-room');
      await client.request('leave', {});
      const longest = await tokenFor('ttl-room', 'ttl', { ttlSeconds: ROOM_TOKEN_MAX_TTL_SECONDS });
      expect((await client.request('join', { roomId: 'ttl-room', token: longest })).roomId).toBe('ttl-room');
      await client.request('leave', {});
      // The web app's signer will not make this one (apps/web/test); a signer that ignores the cap is refused at join.
      const tooLong = await signRawRoomToken({ sub: 'ttl', room: 'ttl-room' }, ROOM_TOKEN_MAX_TTL_SECONDS + 1);
      expect((await refusal(client.request('join', { roomId: 'ttl-room', token: tooLong }))).code).toBe(
        ErrorCode.Unauthenticated,
      );
    } finally {
      client.close();
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

  it('forwards DRIVER_FRAME_BURST frames back to back, drops frames beyond it and tells the sender rate_limited', async () => {
    const sender = await joinedPeer(sfu, 'rate-room', 'fast');
    const receiver = await joinedPeer(sfu, 'rate-room', 'slow');
    const channelStats = async () => (await sfu.stats()).rooms.find((r) => r.roomId === 'rate-room')?.driverChannels[0];
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
      // Wait for the bucket to refill; exactly one burst passes untouched.
      await sleep(1000);
      const before = await channelStats();
      for (let i = 0; i < DRIVER_FRAME_BURST; i += 1) sender.sendFrame(Buffer.alloc(40));
      await eventually(
        async () => ((await channelStats())?.messagesIn ?? 0) - (before?.messagesIn ?? 0) >= DRIVER_FRAME_BURST,
        'one burst of frames at the SFU',
      );
      const atBurst = await channelStats();
      expect(atBurst?.droppedRateLimited).toBe(before?.droppedRateLimited);
      expect((atBurst?.messagesOut ?? 0) - (before?.messagesOut ?? 0)).toBe(DRIVER_FRAME_BURST);
      expect(sender.signaling.notifications.some((n) => n.type === 'limitExceeded')).toBe(false);

      // Refill again, then burst far past it in one go.
      await sleep(1000);
      const burstSize = DRIVER_FRAME_BURST * 10;
      for (let i = 0; i < burstSize; i += 1) sender.sendFrame(Buffer.alloc(40));
      const notice = await sender.signaling.waitFor('limitExceeded');
      expect(notice.error.code).toBe(ErrorCode.RateLimited);
      expect(notice.error.details).toEqual({ limitPerSecond: MAX_DRIVER_FRAMES_PER_SECOND, burst: DRIVER_FRAME_BURST });
      const channel = await channelStats();
      expect(channel?.droppedRateLimited).toBeGreaterThan(0);
      expect(channel?.messagesOut).toBeLessThan(channel?.messagesIn ?? 0);
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  it('announces MAX_SCTP_MESSAGE_BYTES and takes a frame that large to answer too_large; the worker discards one byte more', async () => {
    const sender = await joinedPeer(sfu, 'sctp-room', 'big');
    const receiver = await joinedPeer(sfu, 'sctp-room', 'small');
    const channelStats = async () => (await sfu.stats()).rooms.find((r) => r.roomId === 'sctp-room')?.driverChannels[0];
    try {
      const announced = await receiver.signaling.request('createWebRtcTransport', { direction: 'recv' });
      expect(announced.sctpParameters?.maxMessageSize).toBe(MAX_SCTP_MESSAGE_BYTES);
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

      // The largest SCTP message reaches the SFU, which answers it for the driver-frame limit.
      sender.sendFrame(Buffer.alloc(MAX_SCTP_MESSAGE_BYTES, 4));
      const notice = await sender.signaling.waitFor('limitExceeded');
      expect(notice.error.code).toBe(ErrorCode.TooLarge);
      expect(notice.error.details).toMatchObject({ limit: MAX_DRIVER_FRAME_BYTES, actual: MAX_SCTP_MESSAGE_BYTES });
      await eventually(async () => (await channelStats())?.droppedTooLarge === 1, 'the largest frame counted');

      // One byte more, from a client that ignores the announced size (werift checks it: lift that).
      sender.send?.pc.sctpTransport?.setRemoteMaxMessageSize(0);
      const before = await channelStats();
      sender.sendFrame(Buffer.alloc(MAX_SCTP_MESSAGE_BYTES + 1, 5));
      const countBefore = received;
      await eventually(() => {
        sender.sendFrame(Buffer.alloc(40));
        return received > countBefore;
      }, 'frames after the discarded one');
      await sleep(500);
      const after = await channelStats();
      // It never reached this process: not counted, not dropped here, and the channel still forwards.
      expect(after?.droppedTooLarge).toBe(before?.droppedTooLarge);
      expect((after?.bytesIn ?? 0) - (before?.bytesIn ?? 0)).toBeLessThan(MAX_SCTP_MESSAGE_BYTES);
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });
});

describe('limits at their protocol values', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    // No maxPeersPerRoom here: the SFU's default is the protocol's MAX_PEERS_PER_ROOM.
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('seats MAX_PEERS_PER_ROOM peers and refuses the next with room_full', async () => {
    const roomId = 'crowded-room';
    const clients: SignalingClient[] = [];
    try {
      for (let i = 0; i < MAX_PEERS_PER_ROOM + 1; i += 1) clients.push(await SignalingClient.connect(sfu.url));
      const seated = clients.slice(0, MAX_PEERS_PER_ROOM);
      for (const [i, client] of seated.entries()) {
        await client.request('join', { roomId, token: await tokenFor(roomId, `seat-${i}`) });
      }
      expect((await sfu.stats()).rooms.find((r) => r.roomId === roomId)?.peers).toBe(MAX_PEERS_PER_ROOM);
      const last = clients[MAX_PEERS_PER_ROOM] as SignalingClient;
      const error = await refusal(last.request('join', { roomId, token: await tokenFor(roomId, 'one-too-many') }));
      expect(error.code).toBe(ErrorCode.RoomFull);
      expect(error.details).toEqual({ limit: MAX_PEERS_PER_ROOM });
      expect((await sfu.stats()).rooms.find((r) => r.roomId === roomId)?.peers).toBe(MAX_PEERS_PER_ROOM);
      // A token cannot lift the room above the protocol's limit: a larger claim is refused at join.
      const bigger = await signRawRoomToken({ sub: 'one-too-many', room: roomId, max: MAX_PEERS_PER_ROOM + 1 }, 600);
      expect((await refusal(last.request('join', { roomId, token: bigger }))).code).toBe(ErrorCode.Unauthenticated);
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('caps per user: rooms, transports, sockets', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  /** A socket of `userId` joined to `roomId`. */
  async function joinAs(userId: string, roomId: string): Promise<SignalingClient> {
    const client = await SignalingClient.connect(sfu.url);
    await client.request('join', { roomId, token: await tokenFor(roomId, userId) });
    return client;
  }

  it('seats one user in MAX_ROOMS_PER_USER rooms and refuses one more with conflict; joining one of them again still works', async () => {
    const clients: SignalingClient[] = [];
    try {
      for (let i = 0; i < MAX_ROOMS_PER_USER; i += 1) clients.push(await joinAs('roamer', `roam-${i}`));
      const extra = await SignalingClient.connect(sfu.url);
      clients.push(extra);
      const error = await refusal(
        extra.request('join', { roomId: 'roam-extra', token: await tokenFor('roam-extra', 'roamer') }),
      );
      expect(error.code).toBe(ErrorCode.Conflict);
      expect(error.details).toEqual({ reason: 'rooms_per_user', limit: MAX_ROOMS_PER_USER });
      expect((await sfu.stats()).rooms.some((r) => r.roomId === 'roam-extra')).toBe(false);
      // Another user is not affected, and the same user may rejoin a room it is in (that replaces, not adds).
      expect(
        (await extra.request('join', { roomId: 'roam-extra', token: await tokenFor('roam-extra', 'other') })).roomId,
      ).toBe('roam-extra');
      clients.push(await joinAs('roamer', 'roam-0'));
    } finally {
      for (const client of clients) client.close();
    }
  });

  it('gives one user MAX_TRANSPORTS_PER_USER transports over its rooms and refuses one more with conflict', async () => {
    const rooms = Math.ceil(MAX_TRANSPORTS_PER_USER / MAX_TRANSPORTS_PER_PEER) + 1;
    const clients: SignalingClient[] = [];
    try {
      for (let i = 0; i < rooms; i += 1) clients.push(await joinAs('hoarder', `hoard-${i}`));
      let made = 0;
      for (const client of clients.slice(0, -1)) {
        for (let i = 0; i < MAX_TRANSPORTS_PER_PEER && made < MAX_TRANSPORTS_PER_USER; i += 1, made += 1) {
          await client.request('createWebRtcTransport', { direction: 'recv' });
        }
      }
      expect(made).toBe(MAX_TRANSPORTS_PER_USER);
      const last = clients[clients.length - 1] as SignalingClient;
      const error = await refusal(last.request('createWebRtcTransport', { direction: 'recv' }));
      expect(error.code).toBe(ErrorCode.Conflict);
      expect(error.details).toEqual({ reason: 'transports_per_user', limit: MAX_TRANSPORTS_PER_USER });
      // Leaving one room gives its transports back.
      await clients[0]?.request('leave', {});
      expect((await last.request('createWebRtcTransport', { direction: 'recv' })).transportId).toBeTruthy();
    } finally {
      for (const client of clients) client.close();
    }
  });

  it('counts MAX_SOCKETS_PER_USER open sockets of one user and refuses the next one its join with rate_limited', async () => {
    const clients: SignalingClient[] = [];
    try {
      // Each socket joins and leaves again: the room cap is not what stops them.
      for (let i = 0; i < MAX_SOCKETS_PER_USER; i += 1) {
        const client = await joinAs('many', `many-${i}`);
        await client.request('leave', {});
        clients.push(client);
      }
      const next = await SignalingClient.connect(sfu.url);
      clients.push(next);
      const token = await tokenFor('many-next', 'many');
      const error = await refusal(next.request('join', { roomId: 'many-next', token }));
      expect(error.code).toBe(ErrorCode.RateLimited);
      expect(error.details).toEqual({ reason: 'sockets_per_user', limit: MAX_SOCKETS_PER_USER });
      expect((await sfu.stats()).rooms.some((r) => r.roomId === 'many-next')).toBe(false);
      // One closes: the next one may join.
      clients[0]?.close();
      await eventually(
        () =>
          next.request('join', { roomId: 'many-next', token }).then(
            () => true,
            () => false,
          ),
        'a join once a socket of the user closed',
      );
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('caps per address', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('takes MAX_SOCKETS_PER_ADDRESS sockets from one address and refuses the next at the handshake with rate_limited', async () => {
    const clients: SignalingClient[] = [];
    try {
      for (let i = 0; i < MAX_SOCKETS_PER_ADDRESS; i += 1) clients.push(await SignalingClient.connect(sfu.url));
      const refused = await SignalingClient.connect(sfu.url).then(
        (client) => {
          clients.push(client);
          throw new Error('expected the socket to be refused');
        },
        (error: Error & { data?: { code: string; details?: unknown } }) => error,
      );
      expect(refused.data?.code).toBe(ErrorCode.RateLimited);
      expect(refused.data?.details).toEqual({ reason: 'sockets_per_address', limit: MAX_SOCKETS_PER_ADDRESS });
      // The sockets already open still work.
      const first = clients[0] as SignalingClient;
      expect(
        (await first.request('join', { roomId: 'address-room', token: await tokenFor('address-room', 'a0') })).roomId,
      ).toBe('address-room');
      // One closes: a new one gets in.
      clients.pop()?.close();
      await eventually(
        () =>
          SignalingClient.connect(sfu.url).then(
            (client) => {
              clients.push(client);
              return true;
            },
            () => false,
          ),
        'a socket once another one closed',
      );
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('deadlines', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ roomEmptyGraceMs: 60_000 });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it.concurrent('disconnects a socket that has not joined within JOIN_DEADLINE_MS; one that joins before it stays', async () => {
    const idle = await SignalingClient.connect(sfu.url);
    const late = await SignalingClient.connect(sfu.url);
    const connectedAt = performance.now();
    try {
      const gone = idle.disconnected();
      const lateJoin = sleep(JOIN_DEADLINE_MS - 2000).then(async () =>
        late.request('join', { roomId: 'late-room', token: await tokenFor('late-room', 'late') }),
      );
      const notice = await idle.waitFor('limitExceeded', undefined, JOIN_DEADLINE_MS + 5000);
      expect(notice.error.code).toBe(ErrorCode.Timeout);
      expect(notice.error.details).toEqual({ reason: 'join_deadline', limit: JOIN_DEADLINE_MS });
      await gone;
      expect(performance.now() - connectedAt).toBeGreaterThanOrEqual(JOIN_DEADLINE_MS - 50);
      await lateJoin;
      await sleep(2000);
      expect(late.socket.connected).toBe(true);
    } finally {
      idle.close();
      late.close();
    }
  });

  it.concurrent('closes a transport not connected within TRANSPORT_CONNECT_DEADLINE_MS of being put to use; connected ones and an idle receive transport stay', async () => {
    const publisher = await joinedPeer(sfu, 'deadline-room', 'publisher');
    const lazy = await joinedPeer(sfu, 'deadline-room', 'lazy');
    try {
      const dataProducerId = await publisher.publishDriverFrames();
      const send = await lazy.signaling.request('createWebRtcTransport', { direction: 'send' });
      const idleRecv = await lazy.signaling.request('createWebRtcTransport', { direction: 'recv' });
      const usedRecv = await lazy.signaling.request('createWebRtcTransport', { direction: 'recv' });
      // Put one receive transport to use; nobody ever connects it.
      await lazy.signaling.request('consumeData', { transportId: usedRecv.transportId, dataProducerId });
      const start = performance.now();
      const alive = (transportId: string) =>
        lazy.signaling.request('restartIce', { transportId }).then(
          () => true,
          (error: HolocallError) => (error.code === ErrorCode.NotFound ? false : Promise.reject(error)),
        );
      await sleep(TRANSPORT_CONNECT_DEADLINE_MS - 2000);
      expect(await alive(send.transportId)).toBe(true);
      expect(await alive(usedRecv.transportId)).toBe(true);
      const closed = await Promise.all(
        [send.transportId, usedRecv.transportId].map((transportId) =>
          lazy.signaling.waitFor(
            'limitExceeded',
            (n) => n.error.details?.transportId === transportId,
            TRANSPORT_CONNECT_DEADLINE_MS,
          ),
        ),
      );
      expect(performance.now() - start).toBeGreaterThanOrEqual(TRANSPORT_CONNECT_DEADLINE_MS - 2000);
      for (const notice of closed) {
        expect(notice.error.code).toBe(ErrorCode.Timeout);
        expect(notice.error.details).toMatchObject({
          reason: 'transport_connect_deadline',
          limit: TRANSPORT_CONNECT_DEADLINE_MS,
        });
      }
      expect(await alive(send.transportId)).toBe(false);
      expect(await alive(usedRecv.transportId)).toBe(false);
      // Nothing to receive yet: not in use, not closed. The publisher's connected transport carries on.
      expect(await alive(idleRecv.transportId)).toBe(true);
      expect(await publisher.signaling.request('restartIce', { transportId: publisher.send?.id ?? '' })).toBeTruthy();
    } finally {
      await Promise.all([publisher.close(), lazy.close()]);
    }
  });
});
