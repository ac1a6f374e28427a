import { SIGNALING_REQUEST_EVENT } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { SignalingClient } from './support/client/signaling-client';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A socket that goes away while its request is in flight. To make the race certain, the
 * room's media worker is stopped (SIGSTOP) while the request is sent: the request reaches the
 * SFU and waits on the worker (a new router, a new transport), the socket disconnects, and only
 * then does the worker go on (SIGCONT) and answer. (socket.io drops a request that arrives in
 * the same tick as its disconnect, so sending both at once would not race at all.)
 */
describe('disconnects in the middle of a request', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    // A long empty-room grace: a room left with a ghost in it must not close by itself and hide it.
    sfu = await startTestSfu({ roomEmptyGraceMs: 60_000 });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  const roomOf = async (roomId: string) => (await sfu.stats()).rooms.find((r) => r.roomId === roomId);

  /** Runs `send` with the worker stopped, disconnects `clients` while it waits, then lets the worker go on. */
  async function whileWorkerStopped(clients: SignalingClient[], send: () => void): Promise<void> {
    const pid = sfu.workerPids()[0] as number;
    process.kill(pid, 'SIGSTOP');
    try {
      send();
      // Loopback delivers the request in well under this; the stopped worker cannot answer it meanwhile.
      await sleep(150);
      for (const client of clients) client.socket.disconnect();
      await sleep(150);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }

  it('a join in flight at the disconnect leaves no ghost peer holding a seat', async () => {
    const ghost = await SignalingClient.connect(sfu.url);
    // A one-seat room: a ghost would fill it.
    const token = await tokenFor('ghost-room', 'ghost', { maxPeers: 1 });
    await whileWorkerStopped([ghost], () =>
      ghost.socket.emit(SIGNALING_REQUEST_EVENT, { type: 'join', roomId: 'ghost-room', token }, () => undefined),
    );
    // The join runs to its end in the SFU once the worker answers: the room is made, nobody is in it.
    await eventually(async () => (await roomOf('ghost-room')) !== undefined, 'the room of the join');
    await sleep(200);
    expect((await roomOf('ghost-room'))?.peers).toBe(0);
    const real = await SignalingClient.connect(sfu.url);
    try {
      const joined = await real.request('join', {
        roomId: 'ghost-room',
        token: await tokenFor('ghost-room', 'real', { maxPeers: 1 }),
      });
      expect(joined.peers).toEqual([]);
      expect((await roomOf('ghost-room'))?.peers).toBe(1);
    } finally {
      real.close();
    }
  });

  it('joins queued behind a room creation at the disconnect take no seat either', async () => {
    const clients = await Promise.all(Array.from({ length: 3 }, () => SignalingClient.connect(sfu.url)));
    const tokens = await Promise.all(clients.map((_, i) => tokenFor('queued-room', `queued-${i}`)));
    await whileWorkerStopped(clients, () => {
      for (const [i, client] of clients.entries()) {
        client.socket.emit(
          SIGNALING_REQUEST_EVENT,
          { type: 'join', roomId: 'queued-room', token: tokens[i] },
          () => undefined,
        );
      }
    });
    await eventually(async () => (await roomOf('queued-room')) !== undefined, 'the room of the joins');
    await sleep(200);
    expect((await roomOf('queued-room'))?.peers).toBe(0);
  });

  it('a createWebRtcTransport in flight at the disconnect leaks no transport on the worker', async () => {
    // A witness keeps the room (and its router) open, so a leaked transport would stay alive.
    const witness = await joinedPeer(sfu, 'leak-room', 'witness');
    const leaver = await joinedPeer(sfu, 'leak-room', 'leaver');
    const transports = async () => (await sfu.stats()).workers[0]?.webRtcTransports;
    try {
      const before = await transports();
      await whileWorkerStopped([leaver.signaling], () =>
        leaver.signaling.socket.emit(
          SIGNALING_REQUEST_EVENT,
          { type: 'createWebRtcTransport', direction: 'recv' },
          () => undefined,
        ),
      );
      await eventually(async () => (await roomOf('leak-room'))?.peers === 1, 'the leaver gone from the room');
      await sleep(200);
      expect(await transports()).toBe(before);
    } finally {
      await Promise.all([witness.close(), leaver.close()]);
    }
  });
});
