import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, HolocallError } from '@holocall/protocol';

/**
 * One owner per embedded data directory. PGlite has no lock of its own: two processes that
 * open one directory (a second `npm start`, an orphaned server, a backup of a live store) both
 * write to it, which PGlite's own tracker reports as a way to corrupt it.
 *
 * The lock is a file beside the directory (`data/pglite.lock` for `data/pglite`, so it is not
 * part of a dump of the directory) holding who took it. It is made whole by writing a temp file
 * and hard-linking it into place, which fails when a lock is already there, so a reader never
 * sees half a record. A lock whose holder is dead (no such pid on this host, or a pid from
 * before the last boot) is taken over; one held by a live process is refused with an error
 * that names it.
 *
 * Staleness is judged by pid, not by the file's age as `proper-lockfile` does: PGlite runs in
 * the event loop, so a long migration or dump would stop an mtime heartbeat and let a second
 * process take the lock from a live first one; and an mtime lock cannot say who holds it.
 */
export const LOCK_SUFFIX = '.lock';

/**
 * The exit status of a command refused because its data directory is in use (sysexits'
 * EX_TEMPFAIL: try again once the other process has stopped). scripts/start.mjs does not
 * restart a service that exits with it.
 */
export const EXIT_DATA_DIR_IN_USE = 75;

/** Why a data directory could not be had (`details.reason` of the refusal). */
export type DataDirRefusalReason = 'data_dir_in_use' | 'data_dir_lock_contended';

export interface LockHolder {
  pid: number;
  host: string;
  /** Linux's boot id where there is one: a pid from another boot is not the same process. */
  boot: string | null;
  command: string;
  startedAt: string;
  /** Unique per acquisition, so a release never removes a lock another process took since. */
  token: string;
}

export interface LockOptions {
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function lockPathFor(dataDir: string): string {
  return `${path.resolve(dataDir)}${LOCK_SUFFIX}`;
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | null)?.code ?? '');
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return null;
    if (typeof value.host !== 'string' || typeof value.token !== 'string') return null;
    return {
      pid: value.pid,
      host: value.host,
      boot: typeof value.boot === 'string' ? value.boot : null,
      command: typeof value.command === 'string' ? value.command : '',
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
      token: value.token,
    };
  } catch {
    return null;
  }
}

/** The lock file's text and its holder (null when unreadable), or null when there is no lock. */
function readLock(file: string): { raw: string; holder: LockHolder | null } | null {
  try {
    const raw = fs.readFileSync(file, 'utf8');
    return { raw, holder: parseHolder(raw) };
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

/**
 * Whether the recorded holder may still be running. A holder on another host cannot be checked
 * from here and counts as alive; so does one that is this very process (a second open).
 */
export function holderIsAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  const boot = bootId();
  if (holder.boot && boot && holder.boot !== boot) return false;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return !isErrno(error, 'ESRCH');
  }
}

/** The live holder of a data directory's lock, or null when it is free (or held by a dead process). */
export function liveLockHolder(dataDir: string): LockHolder | null {
  const lock = readLock(lockPathFor(dataDir));
  return lock?.holder && holderIsAlive(lock.holder) ? lock.holder : null;
}

export function describeHolder(holder: LockHolder): string {
  const who = holder.pid === process.pid && holder.host === os.hostname() ? 'this process' : `process ${holder.pid}`;
  const where = holder.host === os.hostname() ? '' : ` on host ${holder.host}`;
  const since = holder.startedAt ? `, since ${holder.startedAt}` : '';
  const what = holder.command ? ` (${holder.command}${since})` : '';
  return `${who}${where}${what}`;
}

export function dataDirInUse(dataDir: string, holder: LockHolder, hint: string): HolocallError {
  const file = lockPathFor(dataDir);
  return new HolocallError(
    ErrorCode.Conflict,
    `the data directory ${dataDir} is in use by ${describeHolder(holder)}; ${hint} ` +
      `(if that process is not HoloCall, remove ${file})`,
    { details: { reason: 'data_dir_in_use' satisfies DataDirRefusalReason, pid: holder.pid, host: holder.host } },
  );
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly file: string,
    private readonly record: string,
  ) {}

  /**
   * Takes the lock of `dataDir` or throws a `HolocallError` (`conflict`, reason
   * `data_dir_in_use`) that names the live process holding it.
   */
  static acquire(dataDir: string, options: LockOptions = {}): DataDirLock {
    const file = lockPathFor(dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const holder: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      boot: bootId(),
      command: process.argv
        .slice(1)
        .map((arg) => path.basename(arg))
        .join(' ')
        .slice(0, 200),
      startedAt: new Date().toISOString(),
      token: randomBytes(12).toString('hex'),
    };
    const record = `${JSON.stringify(holder)}\n`;
    const temp = `${file}.${process.pid}.${holder.token}.tmp`;
    fs.writeFileSync(temp, record, { mode: 0o600 });
    try {
      // Each round either takes the lock, refuses it to a live holder, or clears one dead holder.
      for (let round = 0; round < 5; round++) {
        if (placeLock(temp, file, record)) return new DataDirLock(file, record);
        const existing = readLock(file);
        if (!existing) continue;
        if (existing.holder && holderIsAlive(existing.holder)) {
          throw dataDirInUse(path.resolve(dataDir), existing.holder, 'stop it first');
        }
        if (clearStale(file, existing.raw)) {
          options.log?.('took over a stale database lock', {
            lockFile: file,
            deadPid: existing.holder?.pid ?? null,
          });
        }
      }
      throw new HolocallError(
        ErrorCode.Conflict,
        `the lock ${file} keeps changing hands; another process is starting on the same data directory`,
        { details: { reason: 'data_dir_lock_contended' satisfies DataDirRefusalReason } },
      );
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  /** Removes the lock if it is still this acquisition's. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readLock(this.file);
    if (current?.raw === this.record) fs.rmSync(this.file, { force: true });
  }
}

/** Puts the whole record in place unless a lock exists (a hard link fails on an existing name). */
function placeLock(temp: string, file: string, record: string): boolean {
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) throw error;
  }
  // A file system without hard links: exclusive create, then write.
  try {
    fs.writeFileSync(file, record, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/**
 * Removes a dead holder's lock. It is first renamed aside (only one process can move a given
 * file), then checked: if what was moved is not the dead lock that was read, another process
 * took the lock in between, and its lock is put back.
 */
function clearStale(file: string, staleRaw: string): boolean {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
  try {
    if (fs.readFileSync(aside, 'utf8') === staleRaw) return true;
    try {
      fs.linkSync(aside, file);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}
