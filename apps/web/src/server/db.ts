import { type Database, openDatabase, type PrismaClient } from '@holocall/db';
import { loadConfig } from './config';
import { logger } from './logger';

/**
 * One database per server process. PGlite may be opened by one owner only, so the promise is
 * kept on globalThis: Next may evaluate this module more than once (route bundles, dev reloads).
 */
const KEY = Symbol.for('holocall.web.database');
type Holder = { [KEY]?: Promise<Database> };

export function database(): Promise<Database> {
  const holder = globalThis as Holder;
  holder[KEY] ??= openDatabase(loadConfig().database, { log: logger.info }).catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}

export async function prisma(): Promise<PrismaClient> {
  return (await database()).prisma;
}

/** Tests point the app at their own database. */
export function setDatabaseForTests(db: Database | undefined): void {
  const holder = globalThis as Holder;
  if (db) holder[KEY] = Promise.resolve(db);
  else delete holder[KEY];
}
