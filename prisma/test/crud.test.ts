import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/client';
import { MIGRATIONS_DIR } from '../src/config';
import { readMigrations } from '../src/migrate';
import { stores } from './support/stores';

let seq = 0;
const id = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(seq++).toString(36)}`;
const landmarks = Array.from({ length: 478 }, (_, i) => [i, i / 2, 0]);

describe.each(stores)('Prisma over $name', (store) => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(await store.fresh());
  });
  afterAll(() => db.close());

  it('creates a user with an avatar and reads it back with its landmarks', async () => {
    const user = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Ada' } });
    await db.prisma.avatar.create({
      data: {
        id: id('a'),
        ownerId: user.id,
        photoHash: 'a'.repeat(64),
        photoType: 'image/png',
        photoWidth: 640,
        photoHeight: 480,
        landmarks,
      },
    });
    const found = await db.prisma.user.findUniqueOrThrow({ where: { id: user.id }, include: { avatar: true } });
    expect(found.displayName).toBe('Ada');
    expect(found.avatar?.landmarks).toEqual(landmarks);
    expect(found.avatar?.cropHash).toBeNull();
    expect(found.createdAt).toBeInstanceOf(Date);
  });

  it('keeps one avatar per user: re-enrolling replaces it (upsert) and a second create is refused', async () => {
    const user = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Grace' } });
    const base = { photoType: 'image/jpeg', photoWidth: 100, photoHeight: 100, landmarks };
    const first = await db.prisma.avatar.upsert({
      where: { ownerId: user.id },
      create: { id: id('a'), ownerId: user.id, photoHash: '1'.repeat(64), ...base },
      update: {},
    });
    const second = await db.prisma.avatar.upsert({
      where: { ownerId: user.id },
      create: { id: id('a'), ownerId: user.id, photoHash: '2'.repeat(64), ...base },
      update: { photoHash: '2'.repeat(64), cropHash: '3'.repeat(64) },
    });
    expect(second.id).toBe(first.id);
    expect(second.photoHash).toBe('2'.repeat(64));
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    await expect(
      db.prisma.avatar.create({ data: { id: id('a'), ownerId: user.id, photoHash: '4'.repeat(64), ...base } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it('refuses a duplicate room slug and a room with too many peers', async () => {
    const owner = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Owner' } });
    const slug = id('s');
    await db.prisma.room.create({ data: { id: id('r'), slug, name: 'Standup', ownerId: owner.id, maxPeers: 8 } });
    await expect(
      db.prisma.room.create({ data: { id: id('r'), slug, name: 'Other', ownerId: owner.id, maxPeers: 8 } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      db.prisma.room.create({ data: { id: id('r'), slug: id('s'), name: 'Huge', ownerId: owner.id, maxPeers: 1000 } }),
    ).rejects.toThrow();
  });

  it('records memberships once per user and room, and counts active members', async () => {
    const owner = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Owner' } });
    const guest = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Guest' } });
    const room = await db.prisma.room.create({
      data: { id: id('r'), slug: id('s'), name: 'Room', ownerId: owner.id, maxPeers: 4 },
    });
    for (const [user, role] of [
      [owner, 'owner'],
      [guest, 'member'],
    ] as const) {
      await db.prisma.membership.create({ data: { id: id('m'), roomId: room.id, userId: user.id, role } });
    }
    await expect(
      db.prisma.membership.create({ data: { id: id('m'), roomId: room.id, userId: guest.id, role: 'member' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await db.prisma.membership.update({
      where: { roomId_userId: { roomId: room.id, userId: guest.id } },
      data: { leftAt: new Date() },
    });
    expect(await db.prisma.membership.count({ where: { roomId: room.id, leftAt: null } })).toBe(1);
  });

  it('refuses a membership with an unknown role or room', async () => {
    const user = await db.prisma.user.create({ data: { id: id('u'), displayName: 'X' } });
    await expect(
      db.prisma.membership.create({ data: { id: id('m'), roomId: 'nope', userId: user.id, role: 'member' } }),
    ).rejects.toMatchObject({ code: 'P2003' });
  });

  it('cascades a user deletion to avatar, rooms, memberships and sessions', async () => {
    const user = await db.prisma.user.create({ data: { id: id('u'), displayName: 'Gone' } });
    const room = await db.prisma.room.create({
      data: { id: id('r'), slug: id('s'), name: 'Mine', ownerId: user.id, maxPeers: 2 },
    });
    await db.prisma.membership.create({ data: { id: id('m'), roomId: room.id, userId: user.id, role: 'owner' } });
    await db.prisma.session.create({
      data: { id: id('x'), userId: user.id, expiresAt: new Date(Date.now() + 60_000) },
    });
    await db.prisma.user.delete({ where: { id: user.id } });
    expect(await db.prisma.room.count({ where: { id: room.id } })).toBe(0);
    expect(await db.prisma.membership.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.prisma.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it('runs an interactive transaction and rolls it back on error', async () => {
    const uid = id('u');
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { id: uid, displayName: 'Temp' } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.prisma.user.count({ where: { id: uid } })).toBe(0);
  });
});

describe('embedded store on disk', () => {
  it('keeps data across a close and a reopen, and migrates only once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-pglite-'));
    const applied: string[] = [];
    const log = (msg: string, fields?: Record<string, unknown>) => {
      if (msg === 'migration applied') applied.push(String(fields?.migration));
    };
    try {
      const first = await openDatabase({ kind: 'pglite', dataDir }, { log });
      await first.prisma.user.create({ data: { id: 'persisted', displayName: 'Still here' } });
      await first.close();
      const second = await openDatabase({ kind: 'pglite', dataDir }, { log });
      const user = await second.prisma.user.findUnique({ where: { id: 'persisted' } });
      await second.close();
      expect(user?.displayName).toBe('Still here');
      expect(applied).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.id));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
