#!/usr/bin/env node
// Starts the product on this machine after setup: the SFU, the local inference node and
// the web app, each as its own process with its output prefixed. Each service gets only the
// secrets it uses: the session secret (data/secrets.json) goes to the web app alone; the SFU and
// the inference node check tokens against the web app's public keys (its JWKS).
// A service that crashes is restarted with a growing delay; Ctrl-C stops everything.
// How it serves (plain http on loopback; HOLOCALL_PUBLIC_HOST for other computers over HTTPS with
// a local CA; a configured WEB_TLS_CERT/WEB_TLS_KEY; behind a reverse proxy) is worked out by
// setup/serving.mjs, which also gives the lines printed at start.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSecrets } from './setup/secrets.mjs';
import { planServing, ServingSetupError } from './setup/serving.mjs';
import { TlsSetupError } from './setup/tls.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.HOLOCALL_DATA_DIR || path.join(root, 'data');
fs.mkdirSync(dataDir, { recursive: true });

let secrets;
try {
  secrets = loadSecrets(dataDir);
} catch (error) {
  console.error(`[start] ${error.message}`);
  process.exit(78); // EX_CONFIG
}
const host = process.env.HOLOCALL_HOST || '127.0.0.1';
let serving;
try {
  serving = await planServing(process.env, { dataDir, log: (line) => console.log(line) });
} catch (error) {
  if (!(error instanceof ServingSetupError || error instanceof TlsSetupError)) throw error;
  console.error(`[start] ${error.message}`);
  process.exit(78); // EX_CONFIG
}
const { ports, webOrigin } = serving;
// No service but the web app sees a secret; the retired token secrets reach none (a leftover one
// set by hand is still passed through, and the service logs that it ignores it).
const { SESSION_SECRET: _session, ...shared } = process.env;
const env = { ...shared, ...serving.env, HOLOCALL_DATA_DIR: dataDir };
const webEnv = { ...env, SESSION_SECRET: process.env.SESSION_SECRET || secrets.SESSION_SECRET };

const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

/**
 * Exit statuses a restart cannot cure: the data directory is in use by another process
 * (75, EX_TEMPFAIL, from the database lock) or the configuration is bad (78, EX_CONFIG).
 */
const EXIT_IN_USE = 75;
const NOT_RESTARTED = new Set([EXIT_IN_USE, 78]);
/** How long services get to stop (the web app closes its database) before start exits anyway. */
const STOP_GRACE_MS = 15_000;

// A second start on the same data directory stops here, naming the process that holds its
// database, before any service is started (scripts/data-dir.ts check exits 75 then).
const check = spawnSync(tsx, [path.join(root, 'scripts', 'data-dir.ts'), 'check'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (check.status !== 0) {
  if (check.status === EXIT_IN_USE) console.error('[start] stop the running HoloCall first (Ctrl-C where it runs)');
  process.exit(check.status ?? 1);
}
const services = [
  {
    name: 'sfu',
    cwd: 'apps/sfu',
    entry: 'src/main.ts',
    cmd: tsx,
    args: ['src/main.ts'],
    url: `http://${env.SFU_HTTP_HOST || host}:${ports.sfu}`,
  },
  {
    name: 'inference',
    cwd: 'apps/inference',
    entry: 'src/main.ts',
    cmd: tsx,
    args: ['src/main.ts'],
    url: `ws://127.0.0.1:${ports.inference}`,
  },
  {
    name: 'web',
    cwd: 'apps/web',
    entry: 'scripts/serve.mjs',
    cmd: process.execPath,
    args: ['scripts/serve.mjs'],
    url: webOrigin,
    env: webEnv,
  },
].filter((service) => fs.existsSync(path.join(root, service.cwd, service.entry)));

let stopping = false;
const children = new Map();

function prefixLines(name, stream, out) {
  let buffered = '';
  stream.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

function launch(service, attempt = 0) {
  const child = spawn(service.cmd, service.args, {
    cwd: path.join(root, service.cwd),
    env: service.env ?? env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(service.name, child);
  prefixLines(service.name, child.stdout, process.stdout);
  prefixLines(service.name, child.stderr, process.stderr);
  const startedAt = Date.now();
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (stopping) return;
    if (NOT_RESTARTED.has(code)) {
      console.error(`[start] ${service.name} exited (${code}) and would fail again; stopping everything`);
      shutdown(code);
      return;
    }
    // A service that ran for a minute counts as healthy again: restart delays start over.
    const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
    if (next > 5) {
      console.error(`[start] ${service.name} keeps failing (exit ${code ?? signal}); stopping everything`);
      shutdown(1);
      return;
    }
    const delay = Math.min(500 * 2 ** next, 10_000);
    console.error(`[start] ${service.name} exited (${code ?? signal}); restarting in ${delay} ms`);
    setTimeout(() => launch(service, next), delay);
  });
}

function shutdown(code = 0) {
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    const left = [...children.keys()];
    console.error(`[start] ${left.join(', ')} still running after ${STOP_GRACE_MS} ms; exiting anyway`);
    process.exit(code);
  }, STOP_GRACE_MS).unref();
  if (children.size === 0) process.exit(code);
  for (const child of children.values()) child.on('exit', () => children.size === 0 && process.exit(code));
}

process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

if (services.length === 0) {
  console.error('[start] nothing to start');
  process.exit(1);
}
for (const service of services) launch(service);
console.log('[start] HoloCall is starting:');
for (const service of services) console.log(`[start]   ${service.name.padEnd(10)} ${service.url}`);
for (const line of serving.lines) console.log(`[start] ${line}`);
console.log('[start] Ctrl-C stops everything.');
