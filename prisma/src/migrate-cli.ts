/**
 * `tsx prisma/src/migrate-cli.ts`: applies pending migrations to the configured database
 * (DATABASE_URL, else the embedded PGlite under HOLOCALL_DATA_DIR) and exits. The web app's
 * serve script runs this before `next start`.
 */
import { databaseConfigFromEnv, MIGRATIONS_DIR } from './config';
import { migrate, readMigrations } from './migrate';
import { openSqlConnection } from './sql-connection';

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level: 'info', component: 'migrate', msg, ...fields }));

async function main(): Promise<void> {
  const config = databaseConfigFromEnv();
  const db = await openSqlConnection(config);
  try {
    const result = await migrate(db, readMigrations(MIGRATIONS_DIR), log);
    log('database is up to date', {
      store: config.kind,
      applied: result.applied.length,
      alreadyApplied: result.alreadyApplied.length,
    });
  } finally {
    await db.close();
  }
}

main().catch((error: Error) => {
  console.error(JSON.stringify({ level: 'error', component: 'migrate', msg: error.message }));
  process.exit(1);
});
