import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL 15 cluster from Debian's package, in a temp dir on a free port,
 * for the tests to start and stop themselves. Postgres refuses to run as root, so as root
 * the server runs as the `postgres` system user (runuser); otherwise as the current user.
 */

export const PG_BIN = process.env.HOLOCALL_PG_BIN || '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** A superuser URL for the `postgres` database. */
  url: string;
  port: number;
  stop(): void;
}

export function postgresAvailable(): boolean {
  return fs.existsSync(path.join(PG_BIN, 'initdb')) && fs.existsSync(path.join(PG_BIN, 'pg_ctl'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-pg-'));
  const dataDir = path.join(dir, 'data');
  if (asRoot) spawnChecked('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  const run = (bin: string, args: string[], options: SpawnSyncOptions = {}) =>
    asRoot
      ? spawnChecked('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args], options)
      : spawnChecked(path.join(PG_BIN, bin), args, options);

  run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'holocall', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  // Unix socket in our own temp dir: the system's /var/run/postgresql may not be writable.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', dataDir, '-o', serverOptions, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);

  let stopped = false;
  return {
    url: `postgresql://holocall@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function spawnChecked(cmd: string, args: string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`,
    );
  }
}
