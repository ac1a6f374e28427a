import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/config';
import { checksumOf, MIGRATIONS_TABLE, MigrationError, migrate, readMigrations } from '../src/migrate';
import { openSqlConnection, type SqlConnection } from '../src/sql-connection';
import { stores } from './support/stores';

function tempMigrations(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function tableExists(db: SqlConnection, table: string): Promise<boolean> {
  const rows = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1",
    [table],
  );
  return rows[0]?.n === 1;
}

describe('readMigrations', () => {
  it('reads the shipped migrations in order with checksums', () => {
    const migrations = readMigrations(MIGRATIONS_DIR);
    expect(migrations[0]?.id).toBe('0001_init');
    expect(migrations.map((m) => m.id)).toEqual([...migrations.map((m) => m.id)].sort());
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a folder that is not NNNN_name', () => {
    const dir = tempMigrations({ 'init-tables': 'SELECT 1;' });
    expect(() => readMigrations(dir)).toThrow(MigrationError);
  });

  it('refuses two migrations with one number', () => {
    const dir = tempMigrations({ '0001_a': 'SELECT 1;', '0001_b': 'SELECT 1;' });
    expect(() => readMigrations(dir)).toThrow(/share the number 0001/);
  });

  it('ignores CRLF line endings in checksums', () => {
    expect(checksumOf('a;\r\nb;\r\n')).toBe(checksumOf('a;\nb;\n'));
  });
});

describe.each(stores)('migrate against $name', (store) => {
  let db: SqlConnection | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('applies each shipped migration once, then nothing', async () => {
    db = await openSqlConnection(await store.fresh());
    const migrations = readMigrations(MIGRATIONS_DIR);
    const first = await migrate(db, migrations);
    expect(first.applied).toEqual(migrations.map((m) => m.id));
    for (const table of ['users', 'avatars', 'rooms', 'memberships', 'sessions']) {
      expect(await tableExists(db, table)).toBe(true);
    }
    const second = await migrate(db, migrations);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.map((m) => m.id) });
    const rows = await db.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM "${MIGRATIONS_TABLE}"`);
    expect(rows).toEqual(migrations.map((m) => ({ id: m.id, checksum: m.checksum })));
  });

  it('rolls a failing migration back entirely and records nothing', async () => {
    db = await openSqlConnection(await store.fresh());
    const dir = tempMigrations({
      '0001_ok': 'CREATE TABLE a (id int);',
      '0002_broken': 'CREATE TABLE b (id int); INSERT INTO no_such_table VALUES (1);',
    });
    const error = await migrate(db, readMigrations(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).reason).toBe('failed');
    expect(await tableExists(db, 'a')).toBe(true);
    expect(await tableExists(db, 'b')).toBe(false);
    const ids = await db.query<{ id: string }>(`SELECT id FROM "${MIGRATIONS_TABLE}"`);
    expect(ids.map((r) => r.id)).toEqual(['0001_ok']);
  });

  it('stops when an applied migration was edited', async () => {
    db = await openSqlConnection(await store.fresh());
    const dir = tempMigrations({ '0001_a': 'CREATE TABLE a (id int);' });
    await migrate(db, readMigrations(dir));
    fs.writeFileSync(path.join(dir, '0001_a', 'migration.sql'), 'CREATE TABLE a (id bigint);');
    await expect(migrate(db, readMigrations(dir))).rejects.toMatchObject({ reason: 'checksum_mismatch' });
  });

  it('stops when the database has a migration this checkout lacks', async () => {
    db = await openSqlConnection(await store.fresh());
    const newer = tempMigrations({ '0001_a': 'CREATE TABLE a (id int);', '0002_b': 'CREATE TABLE b (id int);' });
    await migrate(db, readMigrations(newer));
    const older = tempMigrations({ '0001_a': 'CREATE TABLE a (id int);' });
    await expect(migrate(db, readMigrations(older))).rejects.toMatchObject({ reason: 'unknown_applied' });
  });

  it('refuses a new migration numbered below one already applied', async () => {
    db = await openSqlConnection(await store.fresh());
    await migrate(db, readMigrations(tempMigrations({ '0002_b': 'CREATE TABLE b (id int);' })));
    const dir = tempMigrations({ '0001_a': 'CREATE TABLE a (id int);', '0002_b': 'CREATE TABLE b (id int);' });
    await expect(migrate(db, readMigrations(dir))).rejects.toMatchObject({ reason: 'out_of_order' });
    expect(await tableExists(db, 'a')).toBe(false);
  });
});
