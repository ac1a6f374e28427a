import { ErrorCode } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import type { SfuTestPeer } from './support/client/sfu-test-peer';
import { freeConsecutivePorts } from './support/free-ports';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

/** Both peers publish driver frames and subscribe; resolves once each has received frames from the other. */
async function framesFlow(a: SfuTestPeer, b: SfuTestPeer): Promise<void> {
  let atA = 0;
  let atB = 0;
  a.onFrame(() => {
    atA += 1;
  });
  b.onFrame(() => {
    atB += 1;
  });
  await Promise.all([a.publishDriverFrames(), b.publishDriverFrames()]);
  await Promise.all([a.subscribe({ media: false }), b.subscribe({ media: false })]);
  const sender = setInterval(() => {
    a.sendFrame(Buffer.alloc(64, 1));
    b.sendFrame(Buffer.alloc(64, 2));
  }, 30);
  try {
    await eventually(() => atA >= 5 && atB >= 5, 'frames both ways');
  } finally {
    clearInterval(sender);
  }
}

/** The ports of every ICE candidate of a fresh transport of `peer`. */
async function candidatePorts(peer: SfuTestPeer): Promise<{ udp: number[]; tcp: number[] }> {
  const transport = await peer.signaling.request('createWebRtcTransport', { direction: 'recv' });
  return {
    udp: transport.iceCandidates.filter((c) => c.protocol === 'udp').map((c) => c.port),
    tcp: transport.iceCandidates.filter((c) => c.protocol === 'tcp').map((c) => c.port),
  };
}

describe('one WebRtcServer per media worker (SFU_RTC_PORT)', () => {
  let sfu: SfuHandle;
  let base: number;
  beforeAll(async () => {
    base = await freeConsecutivePorts(2);
    sfu = await startTestSfu({ workers: 2, rtcPort: base });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('worker i listens on UDP and TCP port base + i, and every transport of its rooms carries that one port', async () => {
    expect(sfu.rtcPorts().map(({ udp, tcp }) => [udp, tcp])).toEqual([
      [base, base],
      [base + 1, base + 1],
    ]);
    // Two rooms land on the two workers (placement by load).
    const a = await joinedPeer(sfu, 'port-room-a', 'a');
    const b = await joinedPeer(sfu, 'port-room-b', 'b');
    try {
      const slotOf = async (roomId: string) => {
        const stats = await sfu.stats();
        const pid = stats.rooms.find((r) => r.roomId === roomId)?.workerPid;
        return stats.workers.find((w) => w.pid === pid)?.slot;
      };
      const slots = [await slotOf('port-room-a'), await slotOf('port-room-b')];
      expect([...slots].sort()).toEqual([0, 1]);
      for (const [peer, slot] of [
        [a, slots[0]],
        [b, slots[1]],
      ] as const) {
        for (let i = 0; i < 3; i += 1) {
          const ports = await candidatePorts(peer);
          expect(ports.udp.length).toBeGreaterThan(0);
          expect(ports.tcp.length).toBeGreaterThan(0);
          expect(new Set([...ports.udp, ...ports.tcp])).toEqual(new Set([base + (slot ?? -1)]));
        }
      }
      // The worker counts the transports on its server: they are all there, none on a port of its own.
      const workers = (await sfu.stats()).workers;
      expect(workers.map((w) => w.webRtcTransports)).toEqual([3, 3]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('two peers exchange driver frames through the WebRtcServer', async () => {
    const alice = await joinedPeer(sfu, 'server-call', 'alice');
    const bob = await joinedPeer(sfu, 'server-call', 'bob');
    try {
      await framesFlow(alice, bob);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a respawned worker gets its WebRtcServer back on the same port, and calls flow through it again', async () => {
    const alice = await joinedPeer(sfu, 'respawn-room', 'alice');
    const bob = await joinedPeer(sfu, 'respawn-room', 'bob');
    try {
      const deadPid = sfu.roomWorkerPid('respawn-room') as number;
      const slot = (await sfu.stats()).workers.find((w) => w.pid === deadPid)?.slot as number;
      process.kill(deadPid, 'SIGKILL');
      for (const peer of [alice, bob]) {
        expect((await peer.signaling.waitFor('rejoinRequired')).error.code).toBe(ErrorCode.WorkerDied);
      }
      await eventually(
        () => sfu.workerPids().length === 2 && !sfu.workerPids().includes(deadPid),
        'a replacement worker',
      );
      expect(sfu.rtcPorts().map(({ udp, tcp }) => [udp, tcp])).toEqual([
        [base, base],
        [base + 1, base + 1],
      ]);
      await Promise.all([alice.resetMedia(), bob.resetMedia()]);
      await alice.join('respawn-room', await tokenFor('respawn-room', 'alice'));
      await bob.join('respawn-room', await tokenFor('respawn-room', 'bob'));
      const roomSlot = (await sfu.stats()).workers.find((w) => w.pid === sfu.roomWorkerPid('respawn-room'))?.slot;
      const ports = await candidatePorts(alice);
      expect(new Set([...ports.udp, ...ports.tcp])).toEqual(new Set([base + (roomSlot ?? -1)]));
      await framesFlow(alice, bob);
      expect(slot).toBeGreaterThanOrEqual(0);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
