import { closeOnSignals, EXIT_DATA_DIR_IN_USE } from '@holocall/db';
import { HolocallError } from '@holocall/protocol';
import { retiredSecretsIn } from '@holocall/service';
import { ConfigError, isBuildPhase, loadConfig } from './config';
import { database } from './db';
import { logger } from './logger';
import { signingKeys } from './tokens/signing-keys';

/**
 * Server start-up (imported by instrumentation.ts in the Node runtime): a missing or bad
 * setting stops the server here, naming the variable, instead of failing the first request.
 * `next build` loads this too; the build needs no secrets and must not open the database.
 */
async function startup(): Promise<void> {
  if (isBuildPhase()) return;
  try {
    loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error('bad configuration', { error: error.message, variables: error.variables });
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // Ignored rather than refused: an upgraded install may still pass it, and nothing here reads it.
  for (const name of retiredSecretsIn(process.env)) {
    logger.warn(`${name} is set but no longer read: tokens are signed with the web app's own keys; remove it`);
  }
  // Made (or rotated) now, so the JWKS the SFU fetches at its start-up already has a key.
  const keys = await signingKeys(loadConfig().dataDir);
  logger.info('token signing keys', { kids: (await keys.publicJwks()).keys.map((key) => key.kid) });
  const db = await database().catch((error: unknown) => {
    if (error instanceof HolocallError && error.details?.reason === 'data_dir_in_use') {
      logger.error(error.message, error.details);
      process.exit(EXIT_DATA_DIR_IN_USE);
    }
    throw error;
  });
  // Ctrl-C / SIGTERM close the database (and release the embedded store's lock), then exit:
  // scripts/web-server.mjs stops accepting connections and leaves the exit to this handler.
  closeOnSignals(db, { log: logger.info });
  logger.info('web app ready', { store: db.kind });
}

await startup();
