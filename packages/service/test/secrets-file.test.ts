import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSecrets, SECRET_NAMES } from '../../../scripts/setup/secrets.mjs';

/** scripts/start.mjs's shared secrets file (data/secrets.json). */
let dir = '';
let file = '';
const modeOf = (f: string) => fs.statSync(f).mode & 0o777;
const leftovers = () => fs.readdirSync(dir).filter((name) => name !== 'secrets.json');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-secrets-'));
  file = path.join(dir, 'secrets.json');
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('loadSecrets', () => {
  it('makes every secret once, into a 0600 file, and reads the same ones back', () => {
    const first = loadSecrets(dir, { log: () => {} });
    expect(Object.keys(first).sort()).toEqual([...SECRET_NAMES].sort());
    expect(modeOf(file)).toBe(0o600);
    expect(loadSecrets(dir, { log: () => {} })).toEqual(first);
    expect(leftovers()).toEqual([]);
  });

  it('tightens a file that others can read, says so, and keeps its secrets', () => {
    fs.writeFileSync(file, JSON.stringify({ ROOM_TOKEN_SECRET: 'r', INFERENCE_SECRET: 'i', SESSION_SECRET: 's' }));
    fs.chmodSync(file, 0o644);
    const lines: string[] = [];
    const secrets = loadSecrets(dir, { log: (line) => lines.push(line) });
    expect(modeOf(file)).toBe(0o600);
    expect(lines.join('\n')).toMatch(/readable by others \(mode 0644\).*0600/);
    expect(secrets).toEqual({ ROOM_TOKEN_SECRET: 'r', INFERENCE_SECRET: 'i', SESSION_SECRET: 's' });
  });

  it('adds a missing secret by writing a temp file and renaming it over the old one (never in place)', () => {
    // A file from before, with a retired secret and no session secret.
    fs.writeFileSync(file, JSON.stringify({ ROOM_TOKEN_SECRET: 'kept' }), { mode: 0o600 });
    const rename = vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    });
    // A write that fails leaves the old file whole and no temp file behind.
    expect(() => loadSecrets(dir, { log: () => {} })).toThrow('disk full');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ ROOM_TOKEN_SECRET: 'kept' });
    expect(leftovers()).toEqual([]);
    // The next start succeeds, through a rename onto secrets.json.
    const secrets = loadSecrets(dir, { log: () => {} });
    expect(rename).toHaveBeenLastCalledWith(expect.stringMatching(/secrets\.json\..+\.tmp$/), file);
    expect(secrets.ROOM_TOKEN_SECRET).toBe('kept');
    expect(secrets.SESSION_SECRET).toMatch(/^[\w-]{43}$/);
    expect(modeOf(file)).toBe(0o600);
    expect(leftovers()).toEqual([]);
  });

  it('stops with a message naming a damaged file instead of replacing it', () => {
    fs.writeFileSync(file, '{"SESSION_SECRET": "trunc', { mode: 0o600 });
    expect(() => loadSecrets(dir, { log: () => {} })).toThrow(/secrets\.json is not valid JSON.*move it away/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"SESSION_SECRET": "trunc');
  });
});
