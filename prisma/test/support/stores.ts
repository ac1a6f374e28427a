import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseConfig } from '../../src/config';

/**
 * The two stores every database test runs against. `fresh()` gives an empty database:
 * a new in-memory PGlite, or a new database in the test run's PostgreSQL cluster.
 */
export interface Store {
  name: string;
  fresh(): Promise<DatabaseConfig>;
}

const pgliteStore: Store = {
  name: 'pglite',
  fresh: async () => ({ kind: 'pglite', dataDir: 'memory://' }),
};

const postgresStore: Store = {
  name: 'postgres',
  async fresh() {
    const admin = inject('postgresUrl');
    const name = `t_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return { kind: 'postgres', url: url.toString() };
  },
};

export const stores: Store[] = inject('postgresUrl') ? [pgliteStore, postgresStore] : [pgliteStore];
