import { encodePng } from '@holocall/face/node';
import { avatarContentHash, CROP_SIDE } from '@holocall/protocol';
import { describe, expect, it } from 'vitest';
import { POST as enrollRoute, GET as myAvatar } from '../src/app/api/avatar/route';
import { GET as avatarPhoto } from '../src/app/api/avatars/[id]/photo/route';
import { GET as avatarSource } from '../src/app/api/avatars/[id]/route';
import { POST as join } from '../src/app/api/rooms/[slug]/join/route';
import { POST as leave } from '../src/app/api/rooms/[slug]/leave/route';
import { POST as createRoom } from '../src/app/api/rooms/route';
import { POST as signInRoute } from '../src/app/api/session/route';
import { PRESENCE_WINDOW_SECONDS } from '../src/server/rooms/presence';
import { call, ORIGIN, signIn, useTestApp } from './support/app';
import { syntheticLandmarks } from './support/landmarks';

/**
 * Nobody drives another person's face: the avatar hash the web app declares is the content
 * hash an inference node computes from what the page sends it; nobody enrolls a photo another
 * account enrolled; and a photo is visible only while a call with its owner is shared.
 */

/** A real, decodable PNG, its pixels different for each seed. */
function photo(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set([(i % width) & 0xff, (i / width) & 0xff, (seed * 53) & 0xff, 255], i * 4);
  }
  return new Uint8Array(encodePng({ width, height, data }));
}

function form(bytes: Uint8Array, size = { width: 640, height: 480 }, landmarks = syntheticLandmarks(320, 240, 110)) {
  const data = new FormData();
  data.set('photo', new Blob([bytes as BlobPart]), 'me.png');
  data.set('landmarks', JSON.stringify(landmarks));
  data.set('displayWidth', String(size.width));
  data.set('displayHeight', String(size.height));
  return data;
}

/** The stored photo's bytes, as a receiver's page downloads them. */
async function servedPhoto(cookie: string, id: string): Promise<Uint8Array> {
  const response = await avatarPhoto(new Request(`${ORIGIN}/api/avatars/${id}/photo`, { headers: { cookie } }), {
    params: Promise.resolve({ id }),
  });
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

describe('avatar provenance', () => {
  const app = useTestApp();
  let seed = 1;
  const enroll = (
    cookie: string,
    bytes = photo(640, 480, seed++),
    size?: { width: number; height: number },
    lm?: number[],
  ) => call(enrollRoute, 'POST', '/api/avatar', { cookie, body: form(bytes, size, lm) });
  const user = async (name: string) => {
    const u = await signIn(signInRoute, name);
    const avatar = (await enroll(u.cookie)).body.avatar as { avatarId: string; avatarHash: string };
    return { ...u, avatar };
  };
  const newRoom = async (cookie: string) =>
    (await call(createRoom, 'POST', '/api/rooms', { cookie, json: { name: 'Call' } })).body.room as { slug: string };
  const joinRoom = (cookie: string, slug: string) => call(join, 'POST', '/', { cookie, params: { slug } });
  const leaveRoom = (cookie: string, slug: string) => call(leave, 'POST', '/', { cookie, params: { slug } });
  /** Status of the avatar source and the photo for `viewer` (200 or 404 each). */
  const sees = async (viewer: { cookie: string }, owner: { avatar: { avatarId: string } }) => {
    const params = { id: owner.avatar.avatarId };
    const statuses = [
      (await call(avatarSource, 'GET', '/', { cookie: viewer.cookie, params })).status,
      (await call(avatarPhoto, 'GET', '/', { cookie: viewer.cookie, params })).status,
    ];
    expect(statuses[0]).toBe(statuses[1]);
    return statuses[0] === 200;
  };

  it('declares the avatar hash an inference node computes from the photo, landmarks and size the page sends', async () => {
    const owner = await user('Declared');
    const peer = await user('Receiver');
    const room = await newRoom(owner.cookie);
    for (const who of [owner, peer]) expect((await joinRoom(who.cookie, room.slug)).status).toBe(200);

    // What a receiver's page fetches and sends its node (peer-roster.ts, connect.ts).
    const source = (
      await call(avatarSource, 'GET', '/', { cookie: peer.cookie, params: { id: owner.avatar.avatarId } })
    ).body;
    const bytes = await servedPhoto(peer.cookie, owner.avatar.avatarId);
    const computed = await avatarContentHash({
      image: bytes,
      landmarkSpace: { width: source.avatar.width, height: source.avatar.height },
      landmarks: Float32Array.from(source.landmarks as number[]),
    });
    expect(source.avatar.avatarHash).toBe(computed);
    expect(owner.avatar.avatarHash).toBe(computed);
    const mine = await call(myAvatar, 'GET', '/api/avatar', { cookie: owner.cookie });
    expect(mine.body.avatar.avatarHash).toBe(computed);
    // It is not the photo's own sha256 any more: the landmarks are part of what is lifted.
    expect(computed).not.toBe(
      (await app.db.prisma.avatar.findUniqueOrThrow({ where: { id: owner.avatar.avatarId } })).photoHash,
    );
  });

  it("may not enroll the photo or the crop another account enrolled; re-enrolling one's own is fine", async () => {
    const ada = await signIn(signInRoute, 'Ada');
    const mallory = await user('Mallory');
    const original = photo(640, 480, 900);
    const crop = photo(CROP_SIDE, CROP_SIDE, 901);
    const body = form(original);
    body.set('crop', new Blob([crop as BlobPart]), 'crop.png');
    const first = await call(enrollRoute, 'POST', '/api/avatar', { cookie: ada.cookie, body });
    expect(first.status).toBe(201);

    // Mallory, in a call with Ada, downloads her stored photo and enrolls it; then the original file; then the crop.
    const room = await newRoom(ada.cookie);
    for (const who of [ada, mallory]) await joinRoom(who.cookie, room.slug);
    const stored = await servedPhoto(mallory.cookie, first.body.avatar.avatarId);
    const attempts = [
      await enroll(mallory.cookie, stored),
      await enroll(mallory.cookie, original),
      await enroll(mallory.cookie, crop, { width: CROP_SIDE, height: CROP_SIDE }, syntheticLandmarks(256, 256, 120)),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'conflict', details: { reason: 'photo_owned_by_another_account' } });
      expect(JSON.stringify(res.body)).not.toContain(ada.userId);
    }
    // Mallory keeps the avatar she had.
    const hers = await app.db.prisma.avatar.findMany({ where: { ownerId: mallory.userId } });
    expect(hers.map((a) => a.id)).toEqual([mallory.avatar.avatarId]);

    // Nothing of Ada's is lost, and she may enroll her photo again (the same avatar hash).
    expect(await servedPhoto(ada.cookie, first.body.avatar.avatarId)).toEqual(stored);
    const again = await enroll(ada.cookie, original);
    expect(again.status).toBe(201);
    expect(again.body.avatar.avatarHash).toBe(first.body.avatar.avatarHash);
  });

  it('two users: a member who left no longer sees the other photo; joining again while the other is away does not help', async () => {
    const ann = await user('Ann');
    const bob = await user('Bob');
    const room = await newRoom(ann.cookie);
    expect(await sees(bob, ann)).toBe(false);
    for (const who of [ann, bob]) await joinRoom(who.cookie, room.slug);
    expect(await sees(bob, ann)).toBe(true);
    expect(await sees(ann, bob)).toBe(true);

    await leaveRoom(bob.cookie, room.slug);
    expect(await sees(bob, ann)).toBe(false);
    expect(await sees(ann, bob)).toBe(false);
    // Ann leaves too; Bob comes back alone: nobody to share a call with.
    await leaveRoom(ann.cookie, room.slug);
    await joinRoom(bob.cookie, room.slug);
    expect(await sees(bob, ann)).toBe(false);
    // Both present again: visible again.
    await joinRoom(ann.cookie, room.slug);
    expect(await sees(bob, ann)).toBe(true);
    // Everyone still sees their own.
    await leaveRoom(bob.cookie, room.slug);
    expect(await sees(bob, bob)).toBe(true);
  });

  it('three users in two rooms: only a call shared now counts, and a page that stopped reporting does not', async () => {
    const ann = await user('Ann3');
    const bob = await user('Bob3');
    const cat = await user('Cat3');
    const one = await newRoom(ann.cookie);
    const two = await newRoom(bob.cookie);
    for (const who of [ann, bob]) await joinRoom(who.cookie, one.slug);
    for (const who of [bob, cat]) await joinRoom(who.cookie, two.slug);
    expect(await sees(ann, bob)).toBe(true);
    expect(await sees(cat, bob)).toBe(true);
    // Ann and Cat share no room: Bob being in both does not join them.
    expect(await sees(ann, cat)).toBe(false);
    expect(await sees(cat, ann)).toBe(false);

    // Bob leaves room one: Ann no longer sees him; Cat, with him in room two, still does.
    await leaveRoom(bob.cookie, one.slug);
    expect(await sees(ann, bob)).toBe(false);
    expect(await sees(cat, bob)).toBe(true);

    // Cat's page stops reporting (closed tab, beacon lost): past the presence window she no longer counts.
    const stale = new Date(Date.now() - (PRESENCE_WINDOW_SECONDS + 5) * 1000);
    await app.db.prisma.membership.updateMany({ where: { userId: cat.userId }, data: { seenAt: stale } });
    expect(await sees(bob, cat)).toBe(false);
    expect(await sees(cat, bob)).toBe(false);
  });
});
