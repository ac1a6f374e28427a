/**
 * `tsx prisma/src/migrate-cli.ts`: applies pending migrations to the configured database
 * (DATABASE_URL, else the embedded PGlite under HOLOCALL_DATA_DIR) and exits. The web app's
 * serve script runs this before `next start`. An embedded directory another process holds
 * stops it with EXIT_DATA_DIR_IN_USE and a line naming that process.
 */
import { HolocallError } from '@holocall/protocol';
import { createLogger } from '@holocall/service';
import { closeOnSignals } from './close-on-signals';
import { databaseConfigFromEnv, MIGRATIONS_DIR } from './config';
import { EXIT_DATA_DIR_IN_USE } from './data-dir-lock';
import { migrate, readMigrations } from './migrate';
import { openSqlConnection } from './sql-connection';

const logger = createLogger({ service: 'migrate', level: 'info' });
const log = logger.info;

async function main(): Promise<void> {
  const config = databaseConfigFromEnv();
  const db = await openSqlConnection(config, { log });
  const stopHandling = closeOnSignals(db, { log });
  try {
    const result = await migrate(db, readMigrations(MIGRATIONS_DIR), log);
    log('database is up to date', {
      store: config.kind,
      applied: result.applied.length,
      alreadyApplied: result.alreadyApplied.length,
    });
  } finally {
    stopHandling();
    await db.close();
  }
}

main().catch((error: Error) => {
  if (error instanceof HolocallError && error.details?.reason === 'data_dir_in_use') {
    logger.error(error.message, error.details);
    process.exit(EXIT_DATA_DIR_IN_USE);
  }
  logger.error(error.message);
  process.exit(1);
});
