import type { TestProject } from 'vitest/node';
import { type PostgresCluster, postgresAvailable, startPostgres } from './postgres-cluster';

/**
 * One PostgreSQL cluster for the whole run (initdb costs seconds); each test file makes its
 * own database in it. Set HOLOCALL_SKIP_POSTGRES=1 to run against PGlite only.
 */
let cluster: PostgresCluster | undefined;

export default async function setup(project: TestProject) {
  if (process.env.HOLOCALL_SKIP_POSTGRES === '1') {
    project.provide('postgresUrl', '');
    return;
  }
  if (!postgresAvailable()) {
    throw new Error('PostgreSQL 15 binaries not found (install Debian package postgresql, or set HOLOCALL_PG_BIN)');
  }
  cluster = await startPostgres();
  project.provide('postgresUrl', cluster.url);
  return () => cluster?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
