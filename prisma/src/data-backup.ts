import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import * as tar from 'tar';
import { DataDirLock, dataDirInUse, liveLockHolder } from './data-dir-lock';
import { openPglite } from './sql-connection';

/**
 * Backup and restore of a data directory (`npm run backup -- <file>`, `npm run restore -- <file>`).
 *
 * A backup is one gzip'd tar: a manifest, the embedded database as PGlite's own `dumpDataDir()`
 * (`pglite.tar.gz`), and the other entries it is asked for (photos, secrets.json) as files.
 * It is taken while holding the database's lock, so it is consistent: a running server holds
 * that lock, and a backup is refused while it does (stop HoloCall, back up, start it again).
 *
 * A restore takes the lock for its whole run (a start meanwhile is refused), unpacks into a
 * staging folder inside the data directory, loads the database dump into a fresh PGlite
 * directory there, and only then swaps: each entry the backup covers that exists now is moved
 * into `replaced-<time>/` (nothing is deleted), and the staged one is renamed into place.
 */

export const BACKUP_FORMAT = 'holocall-backup';
export const BACKUP_VERSION = 1;
const MANIFEST = 'holocall-backup.json';
const DATABASE_DUMP = 'pglite.tar.gz';

/** Why a backup file was refused (`details.reason`). */
export type BackupRefusalReason = 'not_a_backup' | 'backup_damaged';

interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  /** The database directory's name in the data directory, when the backup holds it. */
  database: string | null;
  /** Every entry the backup speaks for, present or not when it was taken. */
  covers: string[];
}

export interface BackupOptions {
  /** HOLOCALL_DATA_DIR. */
  dataRoot: string;
  /** The embedded database's directory (inside dataRoot), or null for none. */
  pgliteDir: string | null;
  /** Other entries of dataRoot to include (files or folders); missing ones are recorded as absent. */
  entries: string[];
  file: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  database: boolean;
  entries: string[];
}

function refuse(reason: BackupRefusalReason, message: string, cause?: unknown): HolocallError {
  return new HolocallError(ErrorCode.BadRequest, message, { details: { reason }, cause });
}

function entryName(dataRoot: string, dir: string): string {
  const name = path.relative(path.resolve(dataRoot), path.resolve(dir));
  if (!name || name.includes(path.sep) || name.startsWith('.')) {
    throw new Error(`${dir} must be a direct entry of the data directory ${dataRoot}`);
  }
  return name;
}

export async function backupDataDir(options: BackupOptions): Promise<BackupSummary> {
  const dataRoot = path.resolve(options.dataRoot);
  const file = path.resolve(options.file);
  const stopFirst =
    'stop HoloCall first (Ctrl-C where `npm start` runs), then back up again: a copy of a live database is not consistent';
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-backup-'));
  const temp = `${file}.${process.pid}.tmp`;
  let db: PGlite | null = null;
  try {
    let database: string | null = null;
    if (options.pgliteDir && fs.existsSync(path.join(options.pgliteDir, 'PG_VERSION'))) {
      const holder = liveLockHolder(options.pgliteDir);
      if (holder) throw dataDirInUse(options.pgliteDir, holder, stopFirst);
      // Opening takes the lock, so nothing starts on this directory until the archive is written.
      db = await openPglite(options.pgliteDir, { log: options.log });
      const dump = await db.dumpDataDir('gzip');
      fs.writeFileSync(path.join(staging, DATABASE_DUMP), new Uint8Array(await dump.arrayBuffer()));
      database = entryName(dataRoot, options.pgliteDir);
    }
    const present = options.entries.filter((name) => fs.existsSync(path.join(dataRoot, name)));
    // The entries are packed through links in the staging folder (tar follows them), so the
    // archive holds the manifest, the dump and the entries side by side without copying photos.
    for (const name of present) fs.symlinkSync(path.join(dataRoot, name), path.join(staging, name));
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      database,
      covers: [...(database ? [database] : []), ...options.entries],
    };
    fs.writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await tar.create({ file: temp, cwd: staging, gzip: true, portable: true, follow: true, mode: 0o600 }, [
      MANIFEST,
      ...(database ? [DATABASE_DUMP] : []),
      ...present,
    ]);
    // The archive holds the secrets and every face: readable by its owner only.
    fs.chmodSync(temp, 0o600);
    const fd = fs.openSync(temp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    const summary = { file, bytes: fs.statSync(file).size, database: database !== null, entries: present };
    options.log?.('backup written', { ...summary });
    return summary;
  } finally {
    fs.rmSync(temp, { force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    await db?.close();
  }
}

export interface RestoreOptions {
  dataRoot: string;
  pgliteDir: string;
  file: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface RestoreSummary {
  restored: string[];
  /** Where what was there before now lies, or null if there was nothing to move. */
  aside: string | null;
}

function readManifest(staging: string): Manifest {
  let value: Partial<Manifest>;
  try {
    value = JSON.parse(fs.readFileSync(path.join(staging, MANIFEST), 'utf8')) as Partial<Manifest>;
  } catch (error) {
    throw refuse('not_a_backup', `the file has no readable ${MANIFEST}: it is not a HoloCall backup`, error);
  }
  const names = [...(value.covers ?? []), value.database ?? ''];
  const safe = names.every(
    (name) => typeof name === 'string' && !name.includes('/') && !name.includes('\\') && !name.startsWith('.'),
  );
  if (value.format !== BACKUP_FORMAT || !Array.isArray(value.covers) || !safe) {
    throw refuse('not_a_backup', 'the file is not a HoloCall backup');
  }
  if (value.version !== BACKUP_VERSION) {
    throw refuse(
      'not_a_backup',
      `the backup is format version ${value.version}; this checkout reads ${BACKUP_VERSION}`,
    );
  }
  return value as Manifest;
}

export async function restoreDataDir(options: RestoreOptions): Promise<RestoreSummary> {
  const dataRoot = path.resolve(options.dataRoot);
  const file = path.resolve(options.file);
  if (!fs.existsSync(file)) throw refuse('not_a_backup', `no such file: ${file}`);
  const pgliteName = entryName(dataRoot, options.pgliteDir);
  fs.mkdirSync(dataRoot, { recursive: true });
  // Held until the swap is done: a server that starts meanwhile is refused.
  const lock = DataDirLock.acquire(options.pgliteDir, { log: options.log });
  const staging = fs.mkdtempSync(path.join(dataRoot, '.restore-'));
  try {
    try {
      await tar.extract({ file, cwd: staging, strict: true });
    } catch (error) {
      throw refuse('not_a_backup', `the file is not a readable backup archive: ${(error as Error).message}`, error);
    }
    const manifest = readManifest(staging);
    if (manifest.database) {
      if (manifest.database !== pgliteName) {
        throw refuse('not_a_backup', `the backup's database is "${manifest.database}", expected "${pgliteName}"`);
      }
      await loadDatabase(path.join(staging, DATABASE_DUMP), path.join(staging, pgliteName));
      fs.rmSync(path.join(staging, DATABASE_DUMP));
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = path.join(dataRoot, `replaced-${stamp}`);
    let moved = false;
    for (const name of manifest.covers) {
      if (!fs.existsSync(path.join(dataRoot, name))) continue;
      fs.mkdirSync(aside, { recursive: true });
      fs.renameSync(path.join(dataRoot, name), path.join(aside, name));
      moved = true;
    }
    const restored = manifest.covers.filter((name) => fs.existsSync(path.join(staging, name)));
    for (const name of restored) fs.renameSync(path.join(staging, name), path.join(dataRoot, name));
    const summary = { restored, aside: moved ? aside : null };
    options.log?.('backup restored', { file, ...summary });
    return summary;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

/** Loads PGlite's dump into a new directory (and checks that it opens and closes cleanly). */
async function loadDatabase(dump: string, dir: string): Promise<void> {
  if (!fs.existsSync(dump)) throw refuse('backup_damaged', `the backup names a database but holds no ${DATABASE_DUMP}`);
  try {
    const db = new PGlite(dir, { loadDataDir: new Blob([new Uint8Array(fs.readFileSync(dump))]) });
    await db.waitReady;
    await db.query('SELECT 1');
    await db.close();
  } catch (error) {
    throw refuse('backup_damaged', `the backup's database could not be loaded: ${(error as Error).message}`, error);
  }
}
