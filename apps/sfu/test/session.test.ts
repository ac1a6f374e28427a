import { ErrorCode, type HolocallError } from '@holocall/protocol';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { SfuTestPeer } from './support/client/sfu-test-peer';
import { SignalingClient } from './support/client/signaling-client';
import { eventually, joinedPeer, startTestSfu, tokenFor } from './support/sfu-fixture';

describe('sessions, rooms and the HTTP surface', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ statsToken: 'stats-secret', corsOrigins: ['http://app.example'] });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('a second join by the same user replaces the older session, which is told and disconnected', async () => {
    const first = await joinedPeer(sfu, 'replace-room', 'same-user');
    const witness = await joinedPeer(sfu, 'replace-room', 'witness');
    const second = await SfuTestPeer.connect(sfu.url);
    try {
      const gone = first.signaling.disconnected();
      await second.join('replace-room', await tokenFor('replace-room', 'same-user'));
      const notice = await first.signaling.waitFor('sessionReplaced');
      expect(notice.error.code).toBe(ErrorCode.Conflict);
      await gone;
      const left = await witness.signaling.waitFor('peerLeft');
      expect(left.peer.peerId).toBe(first.self.peerId);
      const joined = await witness.signaling.waitFor('peerJoined', (n) => n.peer.peerId === second.self.peerId);
      expect(joined.peer.userId).toBe('same-user');
      expect((await sfu.stats()).rooms.find((r) => r.roomId === 'replace-room')?.peers).toBe(2);
    } finally {
      await Promise.all([first.close(), second.close(), witness.close()]);
    }
  });

  it('simultaneous joins of a new room create exactly one room', async () => {
    const peers = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((user) => joinedPeer(sfu, 'race-room', user)));
    try {
      const rooms = (await sfu.stats()).rooms.filter((r) => r.roomId === 'race-room');
      expect(rooms).toHaveLength(1);
      expect(rooms[0]?.peers).toBe(4);
      // Everybody sees the same room: the last peer to join saw the other three.
      const seen = peers.map((p) => p.joined?.peers.length ?? -1).sort();
      expect(seen).toEqual([0, 1, 2, 3]);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });

  it('refuses a second join on the same socket with conflict', async () => {
    const peer = await joinedPeer(sfu, 'twice-room', 'twice');
    try {
      const error = await peer.signaling
        .request('join', { roomId: 'twice-room', token: await tokenFor('twice-room', 'twice') })
        .catch((e: unknown) => e);
      expect((error as HolocallError).code).toBe(ErrorCode.Conflict);
    } finally {
      await peer.close();
    }
  });

  it('restarts ICE on a transport with fresh credentials', async () => {
    const peer = await joinedPeer(sfu, 'ice-room', 'ice');
    try {
      const transport = await peer.signaling.request('createWebRtcTransport', { direction: 'send' });
      const { iceParameters } = await peer.signaling.request('restartIce', { transportId: transport.transportId });
      expect(iceParameters.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);
      expect(iceParameters.password).not.toBe(transport.iceParameters.password);
      const unknown = await peer.signaling.request('restartIce', { transportId: 'nope' }).catch((e: unknown) => e);
      expect((unknown as HolocallError).code).toBe(ErrorCode.NotFound);
    } finally {
      await peer.close();
    }
  });

  it('closes a room once its last peer disconnects and the grace period passes', async () => {
    const peer = await joinedPeer(sfu, 'grace-room', 'lonely');
    expect((await sfu.stats()).rooms.some((r) => r.roomId === 'grace-room')).toBe(true);
    await peer.close();
    await eventually(async () => !(await sfu.stats()).rooms.some((r) => r.roomId === 'grace-room'), 'room close');
  });

  it('serves GET /healthz, and GET /stats to loopback without the token', async () => {
    const health = await fetch(`${sfu.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, workers: 1 });

    // Off loopback the token is required: stats-access.test.ts.
    const stats = await fetch(`${sfu.url}/stats`);
    expect(stats.status).toBe(200);
    const body = (await stats.json()) as { workers: unknown[]; rooms: unknown[]; signaling: unknown };
    expect(body.workers).toHaveLength(1);
    expect(Array.isArray(body.rooms)).toBe(true);

    expect((await fetch(`${sfu.url}/nope`)).status).toBe(404);
  });

  it('refuses sockets from browser origins it does not know', async () => {
    const socket = io(sfu.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: 'http://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
    socket.close();
    expect(outcome).toBe('refused');
    const allowed = await SignalingClient.connect(sfu.url, { extraHeaders: { origin: 'http://app.example' } });
    allowed.close();
  });
});
