// The web app's session secret, made once into HOLOCALL_DATA_DIR/secrets.json so that restarts
// keep sessions valid. scripts/start.mjs calls loadSecrets() on every start. Tokens for the SFU
// and the inference node are signed with the web app's own keys (data/signing-keys.json) and
// checked against its JWKS: no secret is shared between services any more. A file from before
// still holds ROOM_TOKEN_SECRET and INFERENCE_SECRET; they are left in it (a backup stays
// restorable) and passed to no service.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SECRET_NAMES = ['SESSION_SECRET'];
/** Owner read/write only: the file signs every session. */
export const SECRETS_FILE_MODE = 0o600;

/**
 * Reads `<dataDir>/secrets.json`, adds any secret that is missing, and returns them all.
 * The file is written whole or not at all (temp file, fsync, rename, fsync of the folder), so a
 * crash mid-write cannot leave it empty and sign everyone out. Its mode is enforced on every
 * start: a file readable by others is chmod'ed to 0600 and `log` says so. A file that is not a
 * JSON object of strings stops the start with a message naming it; it is never overwritten.
 */
export function loadSecrets(dataDir, { log = (line) => console.log(line) } = {}) {
  const file = path.join(dataDir, 'secrets.json');
  let secrets = {};
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & ~SECRETS_FILE_MODE) !== 0) {
      fs.chmodSync(file, SECRETS_FILE_MODE);
      log(`[start] ${file} was readable by others (mode ${mode.toString(8).padStart(4, '0')}); it is now 0600`);
    }
    secrets = parseSecrets(file, fs.readFileSync(file, 'utf8'));
  }
  let changed = false;
  for (const name of SECRET_NAMES) {
    if (!secrets[name]) {
      secrets[name] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) writeFileAtomic(file, `${JSON.stringify(secrets, null, 2)}\n`, SECRETS_FILE_MODE);
  return secrets;
}

function parseSecrets(file, text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${error.message}); fix it, or move it away to make new secrets`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file} must hold a JSON object of secrets; fix it, or move it away to make new secrets`);
  }
  for (const [name, secret] of Object.entries(value)) {
    if (typeof secret !== 'string') throw new Error(`${file}: ${name} must be a string`);
  }
  return value;
}

/** Temp file in the same folder, fsync, rename over the target, fsync the folder. */
export function writeFileAtomic(file, text, mode) {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, mode); // exactly `mode`, whatever the umask
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  fsyncDir(path.dirname(file));
}

function fsyncDir(dir) {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
