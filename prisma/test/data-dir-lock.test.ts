import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, HolocallError } from '@holocall/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/client';
import { lockPathFor } from '../src/data-dir-lock';
import { clusterState, DB_IN_PRODUCTION, DB_SHUTDOWNED } from './support/pglite-files';

const here = path.dirname(fileURLToPath(import.meta.url));
const holder = path.join(here, 'support', 'hold-database.ts');

let dataDir = '';
beforeEach(() => {
  dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-lock-')), 'pglite');
});
afterEach(() => {
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

/** The refusal a locked directory gets, as a plain object to match on. */
async function refusalOf(promise: Promise<unknown>): Promise<HolocallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HolocallError);
  return error as HolocallError;
}

/** Starts hold-database.ts on `dir` and resolves once it holds the database. */
function startHolder(dir: string): Promise<{ child: ChildProcess; output: () => string }> {
  // `node --import tsx`, not the tsx binary: that one runs the script in a grandchild, whose pid is not child.pid.
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready \d+$/m.test(output)) resolve({ child, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before it was ready:\n${output}`)));
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('the embedded data directory lock', () => {
  it('refuses a second open of the same directory with a conflict that names the holder', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const error = await refusalOf(openDatabase({ kind: 'pglite', dataDir }));
      expect(error.code).toBe(ErrorCode.Conflict);
      expect(error.details).toMatchObject({ reason: 'data_dir_in_use', pid: process.pid });
      expect(error.message).toContain('this process');
      // The first owner is untouched by the refused open.
      await first.prisma.user.create({ data: { id: 'still-open', displayName: 'Ada' } });
      expect(await first.prisma.user.count()).toBe(1);
    } finally {
      await first.close();
    }
  });

  it('releases the lock on close, so the directory opens again', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir });
    expect(fs.existsSync(lockPathFor(dataDir))).toBe(true);
    await first.close();
    await first.close(); // idempotent
    expect(fs.existsSync(lockPathFor(dataDir))).toBe(false);
    const second = await openDatabase({ kind: 'pglite', dataDir });
    await second.close();
  });

  it('takes over a stale lock left by a process that is gone, and says so', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(dead.stdout);
    expect(deadPid).toBeGreaterThan(0);
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.writeFileSync(
      lockPathFor(dataDir),
      JSON.stringify({ pid: deadPid, host: os.hostname(), boot: null, command: 'old', startedAt: '', token: 'x' }),
    );
    const logged: string[] = [];
    const db = await openDatabase(
      { kind: 'pglite', dataDir },
      { log: (msg, fields) => logged.push(`${msg} ${JSON.stringify(fields)}`) },
    );
    try {
      expect(
        logged.some((line) => line.startsWith('took over a stale database lock') && line.includes(String(deadPid))),
      ).toBe(true);
      expect(JSON.parse(fs.readFileSync(lockPathFor(dataDir), 'utf8')).pid).toBe(process.pid);
    } finally {
      await db.close();
    }
  });

  it('treats a lock from before the last boot as stale even if its pid is alive now', async () => {
    if (!fs.existsSync('/proc/sys/kernel/random/boot_id')) return;
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.writeFileSync(
      lockPathFor(dataDir),
      JSON.stringify({ pid: 1, host: os.hostname(), boot: 'another-boot', command: 'old', startedAt: '', token: 'x' }),
    );
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
  });

  it('a child holding the database refuses others by pid, and on SIGTERM closes it cleanly and lets go', async () => {
    const { child, output } = await startHolder(dataDir);
    const exited = exitOf(child);
    try {
      const error = await refusalOf(openDatabase({ kind: 'pglite', dataDir }));
      expect(error.details).toMatchObject({ reason: 'data_dir_in_use', pid: child.pid });
      expect(error.message).toContain(`process ${child.pid}`);
    } finally {
      child.kill('SIGTERM');
    }
    const { code } = await exited;
    expect(code, output()).toBe(128 + os.constants.signals.SIGTERM);
    expect(output()).toContain('database closed');
    // PostgreSQL's own record of the shutdown: clean, so the next open runs no crash recovery.
    expect(clusterState(dataDir)).toBe(DB_SHUTDOWNED);
    expect(fs.existsSync(lockPathFor(dataDir))).toBe(false);
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await db.prisma.user.count({ where: { id: `held_${child.pid}` } })).toBe(1);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('a child killed outright leaves the directory unclosed (what the SIGTERM test above guards against)', async () => {
    const { child } = await startHolder(dataDir);
    const exited = exitOf(child);
    child.kill('SIGKILL');
    await exited;
    expect(clusterState(dataDir)).toBe(DB_IN_PRODUCTION);
    // Its lock is stale: the next open takes it over and PGlite recovers.
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await db.prisma.user.count({ where: { id: `held_${child.pid}` } })).toBe(1);
    } finally {
      await db.close();
    }
  }, 60_000);
});
