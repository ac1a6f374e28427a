/**
 * `tsx prisma/src/migrate-cli.ts`: applies pending migrations to the configured database
 * (DATABASE_URL, else the embedded PGlite under HOLOCALL_DATA_DIR) and exits. The web app's
 * serve script runs this before `next start`.
 */
import { createLogger } from '@holocall/service';
import { databaseConfigFromEnv, MIGRATIONS_DIR } from './config';
import { migrate, readMigrations } from './migrate';
import { openSqlConnection } from './sql-connection';

const logger = createLogger({ service: 'migrate', level: 'info' });
const log = logger.info;

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
  logger.error(error.message);
  process.exit(1);
});
