import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/client';
import { backupDataDir, restoreDataDir } from '../src/data-backup';
import { lockPathFor } from '../src/data-dir-lock';

let root = '';
let dataRoot = '';
let pgliteDir = '';
const ENTRIES = ['photos', 'secrets.json'];
const photo = (name: string) => path.join(dataRoot, 'photos', name.slice(0, 2), name);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-backup-test-'));
  dataRoot = path.join(root, 'data');
  pgliteDir = path.join(dataRoot, 'pglite');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function writePhoto(name: string, text: string): void {
  fs.mkdirSync(path.dirname(photo(name)), { recursive: true });
  fs.writeFileSync(photo(name), text, { mode: 0o600 });
}

async function addUser(id: string): Promise<void> {
  const db = await openDatabase({ kind: 'pglite', dataDir: pgliteDir });
  try {
    await db.prisma.user.create({ data: { id, displayName: id } });
  } finally {
    await db.close();
  }
}

async function userIds(): Promise<string[]> {
  const db = await openDatabase({ kind: 'pglite', dataDir: pgliteDir });
  try {
    return (await db.prisma.user.findMany({ orderBy: { id: 'asc' } })).map((u) => u.id);
  } finally {
    await db.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<HolocallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HolocallError);
  return error as HolocallError;
}

describe('backup and restore of the data directory', () => {
  it('round-trips rows, photos and secrets, and keeps what it replaced aside', { timeout: 120_000 }, async () => {
    await addUser('ada');
    writePhoto('aa11', 'photo of ada');
    fs.writeFileSync(path.join(dataRoot, 'secrets.json'), '{"SESSION_SECRET":"s1"}\n', { mode: 0o600 });
    const file = path.join(root, 'backup.tar.gz');

    const summary = await backupDataDir({ dataRoot, pgliteDir, entries: ENTRIES, file });
    expect(summary).toMatchObject({ database: true, entries: ['photos', 'secrets.json'] });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(lockPathFor(pgliteDir))).toBe(false);

    // Life goes on after the backup: a new row, a new photo, one removed, new secrets.
    await addUser('grace');
    writePhoto('bb22', 'photo of grace');
    fs.rmSync(photo('aa11'));
    fs.writeFileSync(path.join(dataRoot, 'secrets.json'), '{"SESSION_SECRET":"s2"}\n');

    const restored = await restoreDataDir({ dataRoot, pgliteDir, file });
    expect(restored.restored.sort()).toEqual(['pglite', 'photos', 'secrets.json']);
    expect(await userIds()).toEqual(['ada']);
    expect(fs.readFileSync(photo('aa11'), 'utf8')).toBe('photo of ada');
    expect(fs.existsSync(photo('bb22'))).toBe(false);
    expect(fs.readFileSync(path.join(dataRoot, 'secrets.json'), 'utf8')).toContain('s1');

    // Nothing was lost: the replaced state lies aside, whole.
    const aside = restored.aside;
    expect(aside).not.toBeNull();
    expect(fs.readFileSync(path.join(aside!, 'photos', 'bb', 'bb22'), 'utf8')).toBe('photo of grace');
    expect(fs.readFileSync(path.join(aside!, 'secrets.json'), 'utf8')).toContain('s2');
    const asideDb = await openDatabase({ kind: 'pglite', dataDir: path.join(aside!, 'pglite') }, { migrate: false });
    try {
      expect((await asideDb.prisma.user.findMany()).map((u) => u.id).sort()).toEqual(['ada', 'grace']);
    } finally {
      await asideDb.close();
    }
    expect(fs.existsSync(lockPathFor(pgliteDir))).toBe(false);
    expect(fs.readdirSync(dataRoot).filter((name) => name.startsWith('.restore-'))).toEqual([]);
  });

  it('refuses to back up or restore a database that is open, and changes nothing', { timeout: 120_000 }, async () => {
    await addUser('ada');
    const file = path.join(root, 'backup.tar.gz');
    await backupDataDir({ dataRoot, pgliteDir, entries: ENTRIES, file });
    writePhoto('cc33', 'kept');

    const live = await openDatabase({ kind: 'pglite', dataDir: pgliteDir });
    try {
      const backup = await refusal(
        backupDataDir({ dataRoot, pgliteDir, entries: ENTRIES, file: path.join(root, 'second.tar.gz') }),
      );
      expect(backup.code).toBe(ErrorCode.Conflict);
      expect(backup.details).toMatchObject({ reason: 'data_dir_in_use', pid: process.pid });
      expect(backup.message).toContain('stop HoloCall first');
      expect(fs.existsSync(path.join(root, 'second.tar.gz'))).toBe(false);

      const restore = await refusal(restoreDataDir({ dataRoot, pgliteDir, file }));
      expect(restore.details).toMatchObject({ reason: 'data_dir_in_use', pid: process.pid });
      expect(fs.readFileSync(photo('cc33'), 'utf8')).toBe('kept');
      expect(fs.readdirSync(dataRoot).filter((name) => name.startsWith('replaced-'))).toEqual([]);
      // The live owner still has its database and its lock.
      expect(await live.prisma.user.count()).toBe(1);
      expect(fs.existsSync(lockPathFor(pgliteDir))).toBe(true);
    } finally {
      await live.close();
    }
  });

  it('refuses a file that is not a backup with a typed reason, touching nothing', async () => {
    writePhoto('dd44', 'kept');
    const junk = path.join(root, 'junk.tar.gz');
    fs.writeFileSync(junk, 'not an archive at all');
    const error = await refusal(restoreDataDir({ dataRoot, pgliteDir, file: junk }));
    expect(error.code).toBe(ErrorCode.BadRequest);
    expect(error.details).toMatchObject({ reason: 'not_a_backup' });
    expect(fs.readFileSync(photo('dd44'), 'utf8')).toBe('kept');
    expect(fs.existsSync(lockPathFor(pgliteDir))).toBe(false);
  });
});
