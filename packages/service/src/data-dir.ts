import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from './env';

/** The repository root (this file is packages/service/src/data-dir.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Where the embedded database, photos and secrets live: HOLOCALL_DATA_DIR, else `data/` at
 * the repository root; always absolute. The one resolution every service and CLI uses
 * (scripts/start.mjs and test/e2e/env.ts are plain launchers that set the variable).
 */
export function resolveDataDir(env: Env): string {
  return path.resolve(env.HOLOCALL_DATA_DIR?.trim() || path.join(REPO_ROOT, 'data'));
}
