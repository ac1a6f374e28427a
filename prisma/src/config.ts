import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the data lives. The embedded default needs nothing installed: PGlite (Postgres
 * compiled to WASM) keeps its files under HOLOCALL_DATA_DIR/pglite. A `postgres://` or
 * `postgresql://` DATABASE_URL switches to a PostgreSQL server. Both speak one dialect, so
 * one set of SQL migrations serves both.
 */
export type DatabaseConfig =
  | { kind: 'pglite' /** A directory, or `memory://` for a throwaway in-memory database. */; dataDir: string }
  | { kind: 'postgres'; url: string };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function defaultDataDir(): string {
  return process.env.HOLOCALL_DATA_DIR || path.join(repoRoot, 'data');
}

/** Reads DATABASE_URL / HOLOCALL_DATA_DIR once; a bad value stops start-up with its name. */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new Error(
        'DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for the embedded database)',
      );
    }
    return { kind: 'postgres', url };
  }
  const dataDir = env.HOLOCALL_DATA_DIR || path.join(repoRoot, 'data');
  return { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
}

/** The migrations that ship with the product. */
export const MIGRATIONS_DIR = path.join(repoRoot, 'prisma', 'migrations');
