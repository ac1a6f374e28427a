import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { DatabaseConfig } from './config';
import { DataDirLock, type LockOptions } from './data-dir-lock';

/**
 * The little the migrate step needs from a database, over both drivers: run a script,
 * query with parameters, and run a function inside one transaction.
 */
export interface SqlConnection {
  readonly kind: DatabaseConfig['kind'];
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a multi-statement script (no parameters). */
  exec(script: string): Promise<void>;
  transaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PGlite over a directory whose lock it holds: closing it releases the lock. */
class LockedPGlite extends PGlite {
  constructor(
    dataDir: string,
    private readonly lock: DataDirLock,
  ) {
    super(dataDir);
  }

  override async close(): Promise<void> {
    try {
      if (!this.closed) await super.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * Opens the embedded database. A directory is locked first (see data-dir-lock.ts): a directory
 * another live process holds is refused with a `conflict` that names it, before PGlite touches it.
 */
export async function openPglite(dataDir: string, options: LockOptions = {}): Promise<PGlite> {
  if (dataDir.startsWith('memory://')) {
    const db = new PGlite(dataDir);
    await db.waitReady;
    return db;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = DataDirLock.acquire(dataDir, options);
  let db: PGlite;
  try {
    db = new LockedPGlite(dataDir, lock);
    await db.waitReady;
  } catch (error) {
    lock.release();
    throw error;
  }
  return db;
}

export function pgliteConnection(db: PGlite, { closeWith = true } = {}): SqlConnection {
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Omit<SqlConnection, 'transaction' | 'close'> => ({
    kind: 'pglite',
    async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await q.query<Row>(sql, params)).rows;
    },
    async exec(script: string) {
      await q.exec(script);
    },
  });
  return {
    ...wrap(db),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          ...wrap(tx),
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
          close: () => Promise.resolve(),
        }),
      ),
    close: async () => {
      if (closeWith) await db.close();
    },
  };
}

export async function pgConnection(url: string): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const base = {
    kind: 'postgres' as const,
    async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query<Row>(sql, params)).rows;
    },
    async exec(script: string) {
      await client.query(script);
    },
  };
  return {
    ...base,
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const result = await fn({
          ...base,
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
          close: () => Promise.resolve(),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
    close: () => client.end(),
  };
}

export async function openSqlConnection(config: DatabaseConfig, options: LockOptions = {}): Promise<SqlConnection> {
  return config.kind === 'postgres'
    ? pgConnection(config.url)
    : pgliteConnection(await openPglite(config.dataDir, options));
}
