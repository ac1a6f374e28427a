import fs from 'node:fs';
import path from 'node:path';

/**
 * PostgreSQL's cluster state from `global/pg_control` (offset 16, after the system identifier
 * and two version words). A directory whose state is DB_SHUTDOWNED opens without crash
 * recovery; DB_IN_PRODUCTION at rest means its last owner never closed it.
 */
export const DB_SHUTDOWNED = 1;
export const DB_IN_PRODUCTION = 6;

export function clusterState(dataDir: string): number {
  return fs.readFileSync(path.join(dataDir, 'global', 'pg_control')).readInt32LE(16);
}
