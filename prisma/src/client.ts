import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/client';
import { type DatabaseConfig, MIGRATIONS_DIR } from './config';
import { type MigrateResult, migrate, readMigrations } from './migrate';
import { openPglite, pgConnection, pgliteConnection } from './sql-connection';

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseConfig['kind'];
  /** Closes the client and, for the embedded store, PGlite and its directory's lock. Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations before handing out the client (default true). */
  migrate?: boolean;
  migrationsDir?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Opens the configured store and returns a Prisma client over it.
 *
 * PGlite goes through `pglite-prisma-adapter` (in-process, no socket, no port): the adapter
 * talks to the PGlite instance directly, and that instance is the only one that may open its
 * data directory, so the migrate step below reuses it rather than opening a second one. A
 * directory is locked while open: a second open, here or in another process, is refused with a
 * `conflict` (reason `data_dir_in_use`) naming the holder.
 * PostgreSQL goes through Prisma's own `@prisma/adapter-pg`.
 */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  const migrations = options.migrate === false ? null : readMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  let result: MigrateResult | null = null;

  if (config.kind === 'pglite') {
    const pglite = await openPglite(config.dataDir, { log: options.log });
    try {
      if (migrations) result = await migrate(pgliteConnection(pglite, { closeWith: false }), migrations, options.log);
    } catch (error) {
      await pglite.close();
      throw error;
    }
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    options.log?.('database open', { store: 'pglite', dataDir: config.dataDir, applied: result?.applied.length ?? 0 });
    return {
      prisma,
      kind: 'pglite',
      close: once(async () => {
        try {
          await prisma.$disconnect();
        } finally {
          // Also releases the data directory's lock.
          await pglite.close();
        }
      }),
    };
  }

  if (migrations) {
    const conn = await pgConnection(config.url);
    try {
      result = await migrate(conn, migrations, options.log);
    } finally {
      await conn.close();
    }
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.url }) });
  options.log?.('database open', { store: 'postgres', applied: result?.applied.length ?? 0 });
  return {
    prisma,
    kind: 'postgres',
    close: once(() => prisma.$disconnect()),
  };
}

/** A close that runs once however often it is called (a signal and the code that owns the database may both call it). */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
