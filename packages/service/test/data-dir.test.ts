import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, resolveDataDir } from '../src/data-dir';

describe('data directory', () => {
  it('is HOLOCALL_DATA_DIR, made absolute, else data/ at the repository root', () => {
    expect(resolveDataDir({ HOLOCALL_DATA_DIR: '/srv/holocall' })).toBe('/srv/holocall');
    expect(resolveDataDir({ HOLOCALL_DATA_DIR: ' relative/dir ' })).toBe(path.resolve('relative/dir'));
    expect(resolveDataDir({})).toBe(path.join(REPO_ROOT, 'data'));
    expect(resolveDataDir({ HOLOCALL_DATA_DIR: '  ' })).toBe(path.join(REPO_ROOT, 'data'));
  });

  it('finds the repository root', async () => {
    const { default: fs } = await import('node:fs');
    expect(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name).toBe('holocall');
  });
});
