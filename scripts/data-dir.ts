/**
 * The data directory (HOLOCALL_DATA_DIR, default ./data) from the command line:
 *
 *   npm run backup -- <file>    the embedded database, photos, secrets, signing keys and TLS files into one archive
 *   npm run restore -- <file>   back from one; what was there is moved to data/replaced-<time>/
 *   tsx scripts/data-dir.ts check   exits 75 naming the process if the database is in use
 *                                   (scripts/start.mjs runs it before starting anything)
 *
 * Both refuse while HoloCall runs (the embedded database's lock is held): stop it first. With
 * DATABASE_URL set the database is PostgreSQL's to back up: use pg_dump / pg_restore.
 */
import path from 'node:path';
import {
  backupDataDir,
  databaseConfigFromEnv,
  EXIT_DATA_DIR_IN_USE,
  liveLockHolder,
  lockPathFor,
  restoreDataDir,
} from '@holocall/db';
import { HolocallError } from '@holocall/protocol';
import { createLogger, resolveDataDir } from '@holocall/service';

/**
 * What a backup holds besides the database (the product's layout of HOLOCALL_DATA_DIR): the
 * photos, the session secret, the token signing keys (without them every participant's node and
 * the SFU would refuse tokens signed before the restore) and the local CA with its server
 * certificate (without it every other computer would have to trust a new CA).
 */
const ENTRIES = ['photos', 'secrets.json', 'signing-keys.json', 'tls'];
const USAGE = 'usage: npm run backup -- <file> | npm run restore -- <file>';

const logger = createLogger({ service: 'data-dir', level: 'info' });

async function main(command: string | undefined, file: string | undefined): Promise<number> {
  const dataRoot = resolveDataDir(process.env);
  const config = databaseConfigFromEnv();
  if (command === 'check') {
    if (config.kind !== 'pglite') return 0;
    const holder = liveLockHolder(config.dataDir);
    if (!holder) return 0;
    logger.error(`HoloCall is already running on ${dataRoot}: process ${holder.pid} holds the database`, {
      pid: holder.pid,
      host: holder.host,
      command: holder.command,
      since: holder.startedAt,
      lockFile: lockPathFor(config.dataDir),
    });
    return EXIT_DATA_DIR_IN_USE;
  }
  if ((command !== 'backup' && command !== 'restore') || !file) {
    logger.error(USAGE);
    return 64; // EX_USAGE
  }
  if (config.kind !== 'pglite') {
    logger.error(
      `DATABASE_URL points at PostgreSQL: back the database up with pg_dump (restore with pg_restore), ` +
        `and copy ${path.join(dataRoot, 'photos')}, secrets.json, signing-keys.json and tls/ with the web app stopped`,
    );
    return 64;
  }
  const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
  if (command === 'backup') {
    await backupDataDir({ dataRoot, pgliteDir: config.dataDir, entries: ENTRIES, file: target, log: logger.info });
  } else {
    const { aside } = await restoreDataDir({ dataRoot, pgliteDir: config.dataDir, file: target, log: logger.info });
    if (aside) logger.info(`what was in ${dataRoot} before is kept in ${aside}; remove it when you no longer need it`);
  }
  return 0;
}

main(process.argv[2], process.argv[3]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof HolocallError) {
      logger.error(error.message, error.details);
      process.exit(error.details?.reason === 'data_dir_in_use' ? EXIT_DATA_DIR_IN_USE : 1);
    }
    logger.error((error as Error).message);
    process.exit(1);
  },
);
