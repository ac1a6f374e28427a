// Small helpers shared by the setup steps.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where builds that outlive a clone are kept (the mediasoup worker): one build per machine, not per checkout. */
export function cacheDir() {
  const base =
    process.env.HOLOCALL_CACHE_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'holocall');
  fs.mkdirSync(base, { recursive: true });
  return base;
}

export function readStamp(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function writeStamp(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${value}\n`);
}

/**
 * Runs a command; its output goes to `logFile` (or the terminal when none is given).
 * On failure throws with the log's last lines, so the reason is on screen.
 */
export function run(cmd, args, { cwd, env, logFile } = {}) {
  let stdio = 'inherit';
  let fd;
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fd = fs.openSync(logFile, 'w');
    stdio = ['ignore', fd, fd];
  }
  const result = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio });
  if (fd !== undefined) fs.closeSync(fd);
  if (result.status !== 0) {
    const tail = logFile ? `\n--- last lines of ${logFile} ---\n${tailOf(logFile, 25)}` : '';
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})${tail}`);
  }
}

export function capture(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function tailOf(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SHA-256 over the named files' paths (relative to root) and contents; missing files count as empty. */
export function hashFiles(root, files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(root, file));
    hash.update('\0');
    if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
