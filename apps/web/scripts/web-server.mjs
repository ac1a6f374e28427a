#!/usr/bin/env node
// The web app's server (serve.mjs starts it in place of `next start`): Next's request handler
// behind a node:http server, or node:https when given a certificate (WEB_TLS_CERT and WEB_TLS_KEY,
// PEM files: both or neither), bound to WEB_HOST (default 127.0.0.1, as the README says) on
// WEB_PORT. Besides the bind address and TLS it does two things Next does not:
//  - it tells the app the address of the socket each request came in on (PEER_ADDRESS_HEADER,
//    overwriting whatever a client sent under that name; Next keeps a client's own
//    x-forwarded-for). The app's per-address rate limits read it (src/server/http/client-address.ts);
//  - it carries the SFU's signaling on the same origin: WebSocket upgrades for /sfu/socket.io/
//    go to the SFU's own HTTP server (SFU_INTERNAL_URL, default http://127.0.0.1:SFU_PORT),
//    see sfu-proxy.mjs. Pages reach it when SFU_PUBLIC_URL is `/sfu` (src/server/http/origin.ts).
// A bad setting stops it with one message naming each bad variable, exit 78 (EX_CONFIG).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { createSfuUpgradeProxy } from './sfu-proxy.mjs';

/** The same name as src/server/http/client-address.ts (a test checks they agree). */
export const PEER_ADDRESS_HEADER = 'x-holocall-peer-address';
export const DEFAULT_WEB_HOST = '127.0.0.1';

/** Stamps the socket's remote address on an incoming request, replacing any client-sent value. */
export function stampPeerAddress(req) {
  req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Bad settings, each named once (as @holocall/service's ConfigError, which this plain script cannot import). */
export class WebServerConfigError extends Error {
  name = 'WebServerConfigError';
  constructor(problems) {
    super(`bad configuration: ${problems.map(([name, problem]) => `${name} ${problem}`).join('; ')}`);
    this.variables = problems.map(([name]) => name);
  }
}

/**
 * The server's own settings: `tls` ({ cert, key } PEM text, or null for plain http), `sfuTarget`
 * (where /sfu/socket.io/ upgrades go) and `trustProxy` (WEB_TRUST_PROXY, for the address the SFU is told).
 */
export function readServerOptions(env = process.env) {
  const problems = [];
  const value = (name) => (env[name]?.trim() ? env[name].trim() : undefined);
  const certFile = value('WEB_TLS_CERT');
  const keyFile = value('WEB_TLS_KEY');
  let tls = null;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const [missing, set] = certFile === undefined ? ['WEB_TLS_CERT', 'WEB_TLS_KEY'] : ['WEB_TLS_KEY', 'WEB_TLS_CERT'];
    problems.push([missing, `is not set but ${set} is: set both PEM files for HTTPS, or neither for http`]);
  } else if (certFile !== undefined && keyFile !== undefined) {
    const cert = readPem(certFile, 'WEB_TLS_CERT', problems);
    const key = readPem(keyFile, 'WEB_TLS_KEY', problems);
    if (cert !== null && key !== null) {
      try {
        createSecureContext({ cert, key });
        tls = { cert, key };
      } catch (error) {
        problems.push(['WEB_TLS_CERT', `and WEB_TLS_KEY are not a usable pair (${error.message})`]);
      }
    }
  }
  const sfuPort = value('SFU_PORT') ?? '3001';
  const target = value('SFU_INTERNAL_URL') ?? `http://127.0.0.1:${sfuPort}`;
  let sfuTarget = null;
  try {
    const url = new URL(target);
    if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '')) throw new Error('not an origin');
    sfuTarget = url.origin;
  } catch {
    const name = value('SFU_INTERNAL_URL') === undefined ? 'SFU_PORT' : 'SFU_INTERNAL_URL';
    problems.push([name, "must give the SFU's own http origin, such as http://127.0.0.1:3001"]);
  }
  const trust = value('WEB_TRUST_PROXY')?.toLowerCase();
  if (trust !== undefined && !TRUE.has(trust) && !FALSE.has(trust)) {
    problems.push(['WEB_TRUST_PROXY', `must be true or false (1/0, yes/no, on/off), got "${trust}"`]);
  }
  if (problems.length > 0) throw new WebServerConfigError(problems);
  return { tls, sfuTarget, trustProxy: trust !== undefined && TRUE.has(trust) };
}

function readPem(file, name, problems) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    problems.push([name, `cannot be read (${error.code ?? error.message}: ${file})`]);
    return null;
  }
  if (!text.includes('-----BEGIN ')) {
    problems.push([name, `is not a PEM file (${file})`]);
    return null;
  }
  return text;
}

/**
 * A server that stamps each request and hands it to `handle` (Next's request handler): node:https
 * with `options.tls`, else node:http. With `options.sfuTarget`, WebSocket upgrades under /sfu/socket.io/
 * are proxied there; any other upgrade is refused (404).
 */
export function createWebServer(handle, options = {}) {
  const listener = (req, res) => {
    stampPeerAddress(req);
    handle(req, res);
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener);
  if (options.sfuTarget) {
    server.on(
      'upgrade',
      createSfuUpgradeProxy({
        target: options.sfuTarget,
        trustProxy: options.trustProxy ?? false,
        onError: options.onProxyError,
      }),
    );
  }
  return server;
}

const log = (msg, fields = {}) =>
  console.log(JSON.stringify({ t: new Date().toISOString(), level: 'info', component: 'web-server', msg, ...fields }));

async function main() {
  const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const host = process.env.WEB_HOST || DEFAULT_WEB_HOST;
  const port = Number(process.env.WEB_PORT || '3000');
  let options;
  try {
    options = readServerOptions();
  } catch (error) {
    if (!(error instanceof WebServerConfigError)) throw error;
    console.error(
      JSON.stringify({ level: 'error', component: 'web-server', msg: error.message, variables: error.variables }),
    );
    process.exit(78); // EX_CONFIG: a restart cannot help
  }
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: appDir, hostname: host, port });
  await app.prepare();
  const server = createWebServer(app.getRequestHandler(), {
    ...options,
    onProxyError: (error) =>
      console.error(
        JSON.stringify({
          level: 'warn',
          component: 'web-server',
          msg: 'the SFU is unreachable for a signaling upgrade',
          sfu: options.sfuTarget,
          error: error.message,
        }),
      ),
  });
  server.on('error', (error) => {
    console.error(
      JSON.stringify({
        level: 'error',
        component: 'web-server',
        msg: 'cannot listen',
        host,
        port,
        error: error.message,
      }),
    );
    process.exit(1);
  });
  server.listen(port, host, () =>
    log('listening', { host, port, protocol: options.tls ? 'https' : 'http', sfuSignaling: options.sfuTarget }),
  );
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      server.close();
      // Whoever else listens for the signal (the app closing its database) ends the process.
      if (process.listenerCount(signal) === 0) process.exit(0);
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
