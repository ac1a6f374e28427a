#!/usr/bin/env node
// A participant's own inference node: `npm run node -- --server https://calls.example`.
// Starts only the inference node, on 127.0.0.1, for pages of that one server: it accepts that
// origin only and checks page tokens against the server's public keys (its JWKS), which it
// keeps in data/node/ so a restart while the server is unreachable still works. It holds no
// secret of the server's. Setup ran before it (`setup.mjs --only=node`: npm install and the
// generated models, nothing else). A crash is restarted with a growing delay; Ctrl-C stops it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The port pages look for the node on (the web app's INFERENCE_PORT default; `npm start` uses it too). */
const DEFAULT_PORT = 3002;
const JWKS_PATH = '/.well-known/jwks.json';
const EX_USAGE = 64;
const EX_CONFIG = 78;
/** Exit statuses a restart cannot cure: the port is taken (75) or the configuration is bad (78). */
const NOT_RESTARTED = new Set([75, EX_CONFIG]);
/** Secrets the node never needs: stripped from its environment whatever the shell holds. */
const NEVER_PASSED = ['SESSION_SECRET', 'ROOM_TOKEN_SECRET', 'INFERENCE_SECRET'];

const USAGE = `usage: npm run node -- --server <https://server[:port]> [--port <n>] [--ca <ca-cert.pem>]

  --server URL   the HoloCall server whose pages use this node (or HOLOCALL_SERVER); its origin only,
                 no path: https://calls.example or https://192.168.1.20:8443
  --port N       where the node listens on 127.0.0.1 (default ${DEFAULT_PORT}, where pages look for it;
                 or INFERENCE_PORT)
  --ca FILE      trust a server whose certificate a local CA signed (npm start on a LAN writes
                 data/tls/ca-cert.pem on the server: copy it here)`;

function fail(message, code = EX_CONFIG) {
  console.error(`[node] ${message}`);
  process.exit(code);
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--(server|port|ca)(?:=(.*))?$/.exec(arg);
    if (!match) fail(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`, EX_USAGE);
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') fail(`--${match[1]} needs a value\n${USAGE}`, EX_USAGE);
    out[match[1]] = value;
  }
  return out;
}

/** The server's origin, or a message saying what is wrong with the value. */
export function serverOrigin(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return { error: `--server ${JSON.stringify(value)} is not a URL (try https://calls.example)` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { error: `--server ${value}: must be http:// or https://, not ${url.protocol}` };
  }
  if (url.username || url.password) return { error: `--server ${value}: must not hold a user name or password` };
  if (url.pathname !== '/' || url.search || url.hash) {
    return { error: `--server ${value}: give the origin only, without a path or query (${url.origin})` };
  }
  return { origin: url.origin };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const server = args.server ?? process.env.HOLOCALL_SERVER;
  if (!server) fail(`--server is required: the address of the HoloCall server you call through\n${USAGE}`);
  const { origin, error } = serverOrigin(server);
  if (error) fail(error);

  const portText = args.port ?? process.env.INFERENCE_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    fail(`--port ${portText}: must be a port number, 1 to 65535`);
  if (port !== DEFAULT_PORT) {
    console.warn(
      `[node] listening on ${port}: pages look for the node on ${DEFAULT_PORT} unless the server says otherwise`,
    );
  }

  let ca = null;
  if (args.ca) {
    ca = path.resolve(args.ca);
    let text = '';
    try {
      text = fs.readFileSync(ca, 'utf8');
    } catch (e) {
      fail(`--ca ${args.ca}: cannot read it (${e.code ?? e.message})`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) fail(`--ca ${args.ca}: not a PEM certificate`);
  }

  const dataDir = path.resolve(process.env.HOLOCALL_DATA_DIR || path.join(root, 'data'));
  const nodeDir = path.join(dataDir, 'node');
  fs.mkdirSync(nodeDir, { recursive: true });

  const env = { ...process.env };
  for (const name of NEVER_PASSED) delete env[name];
  Object.assign(env, {
    INFERENCE_PORT: String(port),
    INFERENCE_ALLOWED_ORIGINS: origin,
    INFERENCE_JWKS_URL: new URL(JWKS_PATH, origin).href,
    INFERENCE_JWKS_CACHE: path.join(nodeDir, 'jwks.json'),
  });
  // Node's fetch (undici) trusts these on top of the system's CAs; read once at process start.
  if (ca) env.NODE_EXTRA_CA_CERTS = ca;

  console.log(`[node] HoloCall inference node for ${origin}`);
  console.log(`[node]   listening on ws://127.0.0.1:${port}/ws (this computer only)`);
  console.log(`[node]   server keys: ${env.INFERENCE_JWKS_URL}${ca ? ` (trusting ${ca})` : ''}`);
  console.log(`[node]   open ${origin} in a browser on this computer; Ctrl-C stops the node.`);
  run(env);
}

let child = null;
let stopping = false;

function run(env, attempt = 0) {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  child = spawn(tsx, ['src/main.ts'], { cwd: path.join(root, 'apps', 'inference'), env, stdio: 'inherit' });
  const startedAt = Date.now();
  child.on('exit', (code, signal) => {
    child = null;
    // Stopped on purpose (Ctrl-C reaches it too), or by itself without an error.
    if (stopping || code === 0) process.exit(0);
    if (NOT_RESTARTED.has(code)) {
      console.error(`[node] the inference node exited (${code}) and would fail again; stopping`);
      process.exit(code);
    }
    const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
    if (next > 5) {
      console.error(`[node] the inference node keeps failing (exit ${code ?? signal}); stopping`);
      process.exit(1);
    }
    const delay = Math.min(500 * 2 ** next, 10_000);
    console.error(`[node] the inference node exited (${code ?? signal}); restarting in ${delay} ms`);
    setTimeout(() => run(env, next), delay);
  });
}

function stop() {
  stopping = true;
  if (!child) process.exit(0);
  child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 10_000).unref();
}
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  main();
}
