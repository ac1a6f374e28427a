import { ErrorCode } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import type { SfuTestPeer } from './support/client/sfu-test-peer';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

/** Both peers publish frames and subscribe; resolves once each has received frames from the other. */
async function callFlows(a: SfuTestPeer, b: SfuTestPeer): Promise<void> {
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

describe('media worker death', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ workers: 1 });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('SIGKILL of the worker mid-call: peers are told worker_died, rejoin, and frames flow again', async () => {
    const alice = await joinedPeer(sfu, 'doomed-room', 'alice');
    const bob = await joinedPeer(sfu, 'doomed-room', 'bob');
    try {
      await callFlows(alice, bob);
      const deadPid = sfu.roomWorkerPid('doomed-room');
      expect(deadPid).toBeDefined();

      process.kill(deadPid as number, 'SIGKILL');

      for (const peer of [alice, bob]) {
        const notice = await peer.signaling.waitFor('rejoinRequired');
        expect(notice.error.code).toBe(ErrorCode.WorkerDied);
      }
      // The process goes on: a replacement worker comes up in the dead one's slot.
      await eventually(
        () => sfu.workerPids().length === 1 && !sfu.workerPids().includes(deadPid as number),
        'a new worker',
      );

      // The sockets stayed up; the peers join again on them and the call resumes.
      await Promise.all([alice.resetMedia(), bob.resetMedia()]);
      await alice.join('doomed-room', await tokenFor('doomed-room', 'alice'));
      await bob.join('doomed-room', await tokenFor('doomed-room', 'bob'));
      await callFlows(alice, bob);
      const newPid = sfu.roomWorkerPid('doomed-room');
      expect(newPid).toBeDefined();
      expect(newPid).not.toBe(deadPid);
      expect((await sfu.stats()).rooms.find((r) => r.roomId === 'doomed-room')?.peers).toBe(2);
      const health = await fetch(`${sfu.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});

describe('placement across workers', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ workers: 2 });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('puts new rooms on the least-loaded worker, and a worker death touches only its own rooms', async () => {
    const a1 = await joinedPeer(sfu, 'room-one', 'a1');
    const b1 = await joinedPeer(sfu, 'room-two', 'b1');
    const b2 = await joinedPeer(sfu, 'room-two', 'b2');
    try {
      const pidOne = sfu.roomWorkerPid('room-one');
      const pidTwo = sfu.roomWorkerPid('room-two');
      expect(pidOne).toBeDefined();
      expect(pidTwo).toBeDefined();
      expect(pidOne).not.toBe(pidTwo);

      process.kill(pidOne as number, 'SIGKILL');
      expect((await a1.signaling.waitFor('rejoinRequired')).error.code).toBe(ErrorCode.WorkerDied);

      // room-two lives on: its peers still talk, and nobody told them to rejoin.
      await callFlows(b1, b2);
      expect(b1.signaling.notifications.some((n) => n.type === 'rejoinRequired')).toBe(false);
      expect(sfu.roomWorkerPid('room-two')).toBe(pidTwo);
    } finally {
      await Promise.all([a1.close(), b1.close(), b2.close()]);
    }
  });
});
