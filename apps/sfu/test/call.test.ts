import { type DriverFrame, decodeDriverFrame, encodeDriverFrame, type PeerIdentity } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { VP8_KEYFRAME_PAYLOAD } from './support/client/werift-send-transport';
import { eventually, joinedPeer, startTestSfu } from './support/sfu-fixture';

function frame(seq: number): Buffer {
  const driverFrame: DriverFrame = {
    seq,
    captureTimeMs: Date.now(),
    pose: { rotation: [0.1, -0.05, 0.02], translation: [0, 0, 0.6] },
    expression: { kind: 'landmarks', code: new Float32Array(24).fill(0.01) },
  };
  return Buffer.from(encodeDriverFrame(driverFrame));
}

describe('a call through the SFU (real mediasoup worker, werift WebRTC peers)', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu();
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('two peers exchange driver frames and Opus RTP, each labelled with the sender the SFU knows', async () => {
    const alice = await joinedPeer(sfu, 'call-room', 'alice');
    const bob = await joinedPeer(sfu, 'call-room', 'bob');
    try {
      const joinedNotice = await alice.signaling.waitFor('peerJoined');
      expect(joinedNotice.peer.userId).toBe('bob');

      const framesAt = {
        alice: [] as { owner: PeerIdentity; frame: Buffer }[],
        bob: [] as { owner: PeerIdentity; frame: Buffer }[],
      };
      const rtpAt = { alice: [] as PeerIdentity[], bob: [] as PeerIdentity[] };
      alice.onFrame((owner, bytes) => framesAt.alice.push({ owner, frame: bytes }));
      bob.onFrame((owner, bytes) => framesAt.bob.push({ owner, frame: bytes }));
      alice.onRtp((owner) => rtpAt.alice.push(owner));
      bob.onRtp((owner) => rtpAt.bob.push(owner));

      await Promise.all([alice.publishDriverFrames(), bob.publishDriverFrames()]);
      const [aliceMic, bobMic] = await Promise.all([alice.publish('audio'), bob.publish('audio')]);
      await Promise.all([alice.subscribe(), bob.subscribe()]);

      // Frames are unreliable by design: keep sending until enough have arrived.
      let seq = 0;
      const sender = setInterval(() => {
        seq += 1;
        alice.sendFrame(frame(seq));
        bob.sendFrame(frame(1_000_000 + seq));
        aliceMic.sendPacket(Buffer.alloc(80, 1));
        bobMic.sendPacket(Buffer.alloc(80, 2));
      }, 20);
      try {
        await eventually(
          () =>
            framesAt.alice.length >= 20 &&
            framesAt.bob.length >= 20 &&
            rtpAt.alice.length >= 20 &&
            rtpAt.bob.length >= 20,
          'frames and RTP both ways',
        );
      } finally {
        clearInterval(sender);
      }

      // Driver frames arrive intact and carry the sender's identity from its token, not from the payload.
      for (const { owner, frame: bytes } of framesAt.bob) {
        expect(owner).toEqual(alice.self);
        expect(owner.avatarId).toBe('avatar-alice');
        expect(decodeDriverFrame(bytes).seq).toBeLessThan(1_000_000);
      }
      for (const { owner, frame: bytes } of framesAt.alice) {
        expect(owner).toEqual(bob.self);
        expect(decodeDriverFrame(bytes).seq).toBeGreaterThan(1_000_000);
      }
      expect(new Set(rtpAt.bob.map((o) => o.userId))).toEqual(new Set(['alice']));
      expect(new Set(rtpAt.alice.map((o) => o.userId))).toEqual(new Set(['bob']));
      expect(alice.backgroundErrors).toEqual([]);
      expect(bob.backgroundErrors).toEqual([]);

      const stats = await sfu.stats();
      const room = stats.rooms.find((r) => r.roomId === 'call-room');
      expect(room?.peers).toBe(2);
      expect(room?.driverChannels.map((c) => c.userId).sort()).toEqual(['alice', 'bob']);
      for (const channel of room?.driverChannels ?? []) {
        expect(channel.messagesOut).toBeGreaterThan(0);
        expect(channel.bytesOut).toBeGreaterThan(0);
      }
      expect(room?.producers.map((p) => [p.userId, p.kind, p.source]).sort()).toEqual([
        ['alice', 'audio', 'mic'],
        ['bob', 'audio', 'mic'],
      ]);
      for (const producer of room?.producers ?? []) expect(producer.bytes).toBeGreaterThan(0);
      expect(stats.workers[0]?.peers).toBe(2);
      expect(stats.workers[0]?.cpu?.userMs).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('crop mode: a VP8 track reaches the other peer, consumed paused and resumed on request', async () => {
    const carol = await joinedPeer(sfu, 'crop-room', 'carol');
    const dave = await joinedPeer(sfu, 'crop-room', 'dave', {
      publishAudio: false,
      publishDriverFrames: false,
      publishVideo: false,
    });
    try {
      const video: PeerIdentity[] = [];
      dave.onRtp((owner, _packet, kind) => {
        if (kind === 'video') video.push(owner);
      });
      const crop = await carol.publish('video');
      await dave.subscribe();
      const sender = setInterval(() => crop.sendPacket(VP8_KEYFRAME_PAYLOAD), 40);
      try {
        await eventually(() => video.length >= 5, 'VP8 packets at dave');
      } finally {
        clearInterval(sender);
      }
      expect(video.every((owner) => owner.userId === 'carol')).toBe(true);
    } finally {
      await Promise.all([carol.close(), dave.close()]);
    }
  });

  it('closing a producer closes its consumers and tells the room', async () => {
    const gina = await joinedPeer(sfu, 'close-room', 'gina');
    const hank = await joinedPeer(sfu, 'close-room', 'hank');
    try {
      const mic = await gina.publish('audio');
      await hank.subscribe();
      const consumed = await hank.signaling.waitFor('newProducer');
      await gina.signaling.request('closeProducer', { producerId: mic.producerId });
      const closed = await hank.signaling.waitFor('producerClosed');
      expect(closed.producerId).toBe(consumed.producer.producerId);
      expect(closed.owner.userId).toBe('gina');
      await hank.signaling.waitFor('consumerClosed');
      // Closing it again, or someone else's, is not found.
      const again = await gina.signaling
        .request('closeProducer', { producerId: mic.producerId })
        .catch((e: unknown) => e);
      expect((again as { code: string }).code).toBe('not_found');
    } finally {
      await Promise.all([gina.close(), hank.close()]);
    }
  });

  it('tells the others when a peer leaves and its producers close; an empty room closes after its grace period', async () => {
    const erin = await joinedPeer(sfu, 'leave-room', 'erin');
    const frank = await joinedPeer(sfu, 'leave-room', 'frank');
    try {
      const dataProducerId = await erin.publishDriverFrames();
      await frank.signaling.waitFor('newDataProducer', (n) => n.dataProducer.dataProducerId === dataProducerId);
      await erin.signaling.request('leave', {});
      const closed = await frank.signaling.waitFor('dataProducerClosed');
      expect(closed.dataProducerId).toBe(dataProducerId);
      const left = await frank.signaling.waitFor('peerLeft');
      expect(left.peer.userId).toBe('erin');
      await frank.signaling.request('leave', {});
      await eventually(
        async () => (await sfu.stats()).rooms.every((r) => r.roomId !== 'leave-room'),
        'the empty room to close',
      );
    } finally {
      await Promise.all([erin.close(), frank.close()]);
    }
  });
});
