import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlConnection } from './sql-connection';

/**
 * The product's own migrate step (the Prisma CLI's cannot run here: it downloads an engine).
 *
 * Migrations are folders `NNNN_name/migration.sql` applied in order. Each is applied once,
 * inside a transaction together with its row in `_holocall_migrations`, so a failing
 * migration leaves nothing behind. The sha256 of every applied file is kept and checked on
 * every run: an edited migration, or a database migrated by a newer checkout, stops start-up
 * rather than running the app against a schema it does not know.
 */

export const MIGRATIONS_TABLE = '_holocall_migrations';
const MIGRATION_DIR_PATTERN = /^(\d{4})_([a-z0-9_]+)$/;
/** Serialises concurrent migrate runs on one PostgreSQL server (any constant works; this spells "holo"). */
const ADVISORY_LOCK_KEY = 0x686f6c6f;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly reason: 'bad_name' | 'checksum_mismatch' | 'unknown_applied' | 'out_of_order' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export function checksumOf(sql: string): string {
  // Line endings are normalised so a checkout with CRLF does not read as an edited migration.
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function readMigrations(dir: string): Migration[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  const migrations = entries.map((entry) => {
    if (!MIGRATION_DIR_PATTERN.test(entry.name)) {
      throw new MigrationError('bad_name', `migration folder "${entry.name}" is not named NNNN_lower_snake_name`);
    }
    const file = path.join(dir, entry.name, 'migration.sql');
    if (!fs.existsSync(file)) throw new MigrationError('bad_name', `migration "${entry.name}" has no migration.sql`);
    const sql = fs.readFileSync(file, 'utf8');
    return { id: entry.name, sql, checksum: checksumOf(sql) };
  });
  migrations.sort((a, b) => a.id.localeCompare(b.id));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.id.slice(0, 4) === migrations[i - 1]!.id.slice(0, 4)) {
      throw new MigrationError('bad_name', `two migrations share the number ${migrations[i]!.id.slice(0, 4)}`);
    }
  }
  return migrations;
}

async function lock(tx: SqlConnection): Promise<void> {
  // PGlite is one connection in one process: nothing to serialise against.
  if (tx.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
}

interface AppliedRow extends Record<string, unknown> {
  id: string;
  checksum: string;
}

export async function migrate(
  db: SqlConnection,
  migrations: Migration[],
  log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
): Promise<MigrateResult> {
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
         "id" TEXT PRIMARY KEY,
         "checksum" TEXT NOT NULL,
         "applied_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
       )`,
    );
  });

  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    await db.transaction(async (tx) => {
      await lock(tx);
      const applied = await tx.query<AppliedRow>(`SELECT "id", "checksum" FROM "${MIGRATIONS_TABLE}" ORDER BY "id"`);
      verifyApplied(applied, migrations);
      const known = applied.find((row) => row.id === migration.id);
      if (known) {
        result.alreadyApplied.push(migration.id);
        return;
      }
      const latest = applied.at(-1);
      if (latest && latest.id > migration.id) {
        throw new MigrationError(
          'out_of_order',
          `migration ${migration.id} sorts before ${latest.id}, which is already applied; give it a higher number`,
        );
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationError('failed', `migration ${migration.id} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(`INSERT INTO "${MIGRATIONS_TABLE}" ("id", "checksum") VALUES ($1, $2)`, [
        migration.id,
        migration.checksum,
      ]);
      result.applied.push(migration.id);
      log('migration applied', { migration: migration.id });
    });
  }
  return result;
}

function verifyApplied(applied: AppliedRow[], migrations: Migration[]): void {
  for (const row of applied) {
    const file = migrations.find((m) => m.id === row.id);
    if (!file) {
      throw new MigrationError(
        'unknown_applied',
        `the database has migration ${row.id}, which this checkout does not have (was it migrated by a newer version?)`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        'checksum_mismatch',
        `migration ${row.id} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); add a new migration instead`,
      );
    }
  }
}
