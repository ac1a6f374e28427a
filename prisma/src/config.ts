import path from 'node:path';
import { type Env, EnvReader, REPO_ROOT, resolveDataDir } from '@holocall/service';

/**
 * Where the data lives. The embedded default needs nothing installed: PGlite (Postgres
 * compiled to WASM) keeps its files under HOLOCALL_DATA_DIR/pglite. A `postgres://` or
 * `postgresql://` DATABASE_URL switches to a PostgreSQL server. Both speak one dialect, so
 * one set of SQL migrations serves both.
 */
export type DatabaseConfig =
  | { kind: 'pglite' /** A directory, or `memory://` for a throwaway in-memory database. */; dataDir: string }
  | { kind: 'postgres'; url: string };

/** DATABASE_URL, else the embedded PGlite under `dataDir`; a bad URL is recorded on `read` under its name. */
export function readDatabaseConfig(read: EnvReader, dataDir: string): DatabaseConfig {
  const url = read.url('DATABASE_URL', {
    protocols: ['postgres:', 'postgresql:'],
    hint: '(leave it unset for the embedded database)',
  });
  if (url) return { kind: 'postgres', url };
  return { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
}

/** Reads DATABASE_URL / HOLOCALL_DATA_DIR once; a bad value throws a ConfigError that names it. */
export function databaseConfigFromEnv(env: Env = process.env): DatabaseConfig {
  const read = new EnvReader(env);
  const config = readDatabaseConfig(read, resolveDataDir(env));
  read.throwIfAny();
  return config;
}

/** The migrations that ship with the product. */
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');
