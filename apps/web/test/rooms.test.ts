import { testSigningKey } from '@holocall/protocol/test-support/token-keys';
import { verifyRoomToken } from '@holocall/sfu/tokens';
import { createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { POST as join } from '../src/app/api/rooms/[slug]/join/route';
import { POST as leave } from '../src/app/api/rooms/[slug]/leave/route';
import { POST as presence } from '../src/app/api/rooms/[slug]/presence/route';
import { GET as getRoom } from '../src/app/api/rooms/[slug]/route';
import { POST as createRoom } from '../src/app/api/rooms/route';
import { POST as signInRoute } from '../src/app/api/session/route';
import { PRESENCE_WINDOW_SECONDS } from '../src/server/rooms/presence';
import { call, publishedKeys, signIn, useTestApp } from './support/app';
import { giveAvatar } from './support/avatars';

describe('rooms: create, join by link, leave, room tokens', () => {
  const app = useTestApp();

  async function enrolledUser(name: string) {
    const user = await signIn(signInRoute, name);
    const avatarId = await giveAvatar(app.db, user.userId);
    return { ...user, avatarId };
  }

  async function newRoom(cookie: string, json: unknown = { name: 'Standup' }) {
    const res = await call(createRoom, 'POST', '/api/rooms', { cookie, json });
    expect(res.status).toBe(201);
    return res.body.room as { slug: string; link: string; maxPeers: number };
  }

  it('creates a room with a shareable link and the default size', async () => {
    const owner = await enrolledUser('Owner');
    const room = await newRoom(owner.cookie);
    expect(room.slug).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(room.link).toBe(`http://localhost:3000/r/${room.slug}`);
    expect(room.maxPeers).toBe(8);
    const seen = await call(getRoom, 'GET', `/api/rooms/${room.slug}`, {
      cookie: owner.cookie,
      params: { slug: room.slug },
    });
    expect(seen.body.room).toMatchObject({ name: 'Standup', isOwner: true, ownerName: 'Owner', presentCount: 0 });
  });

  it('joins by link and issues a room token the SFU accepts, for this room, user and avatar', async () => {
    const owner = await enrolledUser('Owner');
    const guest = await enrolledUser('Guest');
    const room = await newRoom(owner.cookie);
    const res = await call(join, 'POST', `/api/rooms/${room.slug}/join`, {
      cookie: guest.cookie,
      params: { slug: room.slug },
    });
    expect(res.status).toBe(200);
    expect(res.body.sfu.url).toBe('http://localhost:3001');
    expect(res.body.inference.url).toBe('ws://127.0.0.1:3002/ws');
    expect(res.body.room.isOwner).toBe(false);
    const dbRoom = await app.db.prisma.room.findUniqueOrThrow({ where: { slug: room.slug } });
    const { claims } = await verifyRoomToken(res.body.roomToken, await publishedKeys(app.config), dbRoom.id);
    expect(claims).toMatchObject({
      roomId: dbRoom.id,
      userId: guest.userId,
      avatarId: guest.avatarId,
      displayName: 'Guest',
      grants: { publishAudio: true, publishDriverFrames: true, subscribe: true },
    });
    // Another server's keys do not verify it.
    const other = createLocalJWKSet({ keys: [(await testSigningKey()).publicJwk] });
    await expect(verifyRoomToken(res.body.roomToken, other, dbRoom.id)).rejects.toMatchObject({
      code: 'unauthenticated',
      details: { reason: 'token_unknown_key' },
    });
  });

  it('counts present members, and forgets those who left', async () => {
    const owner = await enrolledUser('Owner');
    const room = await newRoom(owner.cookie);
    const params = { slug: room.slug };
    await call(join, 'POST', `/api/rooms/${room.slug}/join`, { cookie: owner.cookie, params });
    const other = await enrolledUser('Other');
    const joined = await call(join, 'POST', `/api/rooms/${room.slug}/join`, { cookie: other.cookie, params });
    expect(joined.body.room.presentCount).toBe(2);
    expect((await call(presence, 'POST', '/', { cookie: other.cookie, params })).status).toBe(200);
    expect((await call(leave, 'POST', '/', { cookie: other.cookie, params })).status).toBe(200);
    const seen = await call(getRoom, 'GET', '/', { cookie: owner.cookie, params });
    expect(seen.body.room.presentCount).toBe(1);
    // After leaving, the heartbeat no longer counts: the page must join again.
    expect((await call(presence, 'POST', '/', { cookie: other.cookie, params })).status).toBe(409);
  });

  it('creates rooms with up to the protocol limit of peers and no more', async () => {
    const owner = await enrolledUser('Owner');
    expect(
      (await call(createRoom, 'POST', '/api/rooms', { cookie: owner.cookie, json: { name: 'Big', maxPeers: 32 } }))
        .status,
    ).toBe(201);
    const over = await call(createRoom, 'POST', '/api/rooms', {
      cookie: owner.cookie,
      json: { name: 'Too big', maxPeers: 33 },
    });
    expect(over.status).toBe(400);
    const one = await call(createRoom, 'POST', '/api/rooms', {
      cookie: owner.cookie,
      json: { name: 'Alone', maxPeers: 1 },
    });
    expect(one.status).toBe(400);
  });
});

describe('rooms: what you may not do', () => {
  const app = useTestApp();

  it('may not create or join a room without signing in', async () => {
    const res = await call(createRoom, 'POST', '/api/rooms', { json: { name: 'x' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    const joinRes = await call(join, 'POST', '/', { params: { slug: 'AAAAAAAAAAAAAAAA' } });
    expect(joinRes.status).toBe(401);
  });

  it('may not join before enrolling a photo', async () => {
    const owner = await signIn(signInRoute, 'Owner');
    await giveAvatar(app.db, owner.userId);
    const room = (await call(createRoom, 'POST', '/api/rooms', { cookie: owner.cookie, json: { name: 'R' } })).body
      .room;
    const guest = await signIn(signInRoute, 'No photo');
    const res = await call(join, 'POST', '/', { cookie: guest.cookie, params: { slug: room.slug } });
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe('not_enrolled');
  });

  it('may not join a full room, but may again once someone has left or gone quiet', async () => {
    const owner = await signIn(signInRoute, 'Owner');
    await giveAvatar(app.db, owner.userId);
    const room = (
      await call(createRoom, 'POST', '/api/rooms', { cookie: owner.cookie, json: { name: 'Pair', maxPeers: 2 } })
    ).body.room;
    const params = { slug: room.slug };
    const members = [];
    for (const name of ['A', 'B', 'C']) {
      const user = await signIn(signInRoute, name);
      await giveAvatar(app.db, user.userId);
      members.push(user);
    }
    expect((await call(join, 'POST', '/', { cookie: members[0]!.cookie, params })).status).toBe(200);
    expect((await call(join, 'POST', '/', { cookie: members[1]!.cookie, params })).status).toBe(200);
    const full = await call(join, 'POST', '/', { cookie: members[2]!.cookie, params });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('room_full');
    // Rejoining (a reload) does not count yourself twice.
    expect((await call(join, 'POST', '/', { cookie: members[0]!.cookie, params })).status).toBe(200);
    await call(leave, 'POST', '/', { cookie: members[0]!.cookie, params });
    expect((await call(join, 'POST', '/', { cookie: members[2]!.cookie, params })).status).toBe(200);
    // A member whose page stopped reporting stops counting after the presence window.
    const stale = new Date(Date.now() - (PRESENCE_WINDOW_SECONDS + 5) * 1000);
    await app.db.prisma.membership.updateMany({ where: { userId: members[1]!.userId }, data: { seenAt: stale } });
    expect((await call(join, 'POST', '/', { cookie: members[0]!.cookie, params })).status).toBe(200);
  });

  it('may not see or join a room that does not exist, or by a malformed link', async () => {
    const user = await signIn(signInRoute, 'Lost');
    for (const slug of ['AAAAAAAAAAAAAAAA', '../../etc/passwd', 'short']) {
      const res = await call(getRoom, 'GET', '/', { cookie: user.cookie, params: { slug } });
      expect(res.status).toBe(404);
    }
  });

  it('may not create a room with a bad name', async () => {
    const user = await signIn(signInRoute, 'Namer');
    for (const json of [{ name: '' }, { name: 'x'.repeat(81) }, { name: 3 }, { name: 'ok', maxPeers: 2.5 }]) {
      expect((await call(createRoom, 'POST', '/api/rooms', { cookie: user.cookie, json })).status).toBe(400);
    }
  });

  it('may not join from another site', async () => {
    const user = await signIn(signInRoute, 'Victim');
    const res = await call(join, 'POST', '/', {
      cookie: user.cookie,
      params: { slug: 'AAAAAAAAAAAAAAAA' },
      headers: { origin: 'http://evil.example:3000' },
    });
    expect(res.status).toBe(403);
  });
});

describe('inference tokens', () => {
  const app = useTestApp();

  it('are minted for the origin of the page that asked, which the node checks against the socket', async () => {
    const { verifyInferenceToken } = await import('@holocall/protocol');
    const { GET } = await import('../src/app/api/inference-token/route');
    const user = await signIn(signInRoute, 'Viewer');
    const res = await call(GET, 'GET', '/api/inference-token', {
      cookie: user.cookie,
      headers: { host: '127.0.0.1:3000' },
    });
    expect(res.status).toBe(200);
    expect(res.body.url).toBe('ws://127.0.0.1:3002/ws');
    const keys = await publishedKeys(app.config);
    const claims = await verifyInferenceToken(res.body.token, keys, 'http://127.0.0.1:3000');
    expect(claims.sub).toBe(user.userId);
    await expect(verifyInferenceToken(res.body.token, keys, 'http://localhost:3000')).rejects.toMatchObject({
      code: 'origin_refused',
    });
    expect((await call(GET, 'GET', '/api/inference-token')).status).toBe(401);
  });
});
