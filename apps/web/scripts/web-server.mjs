#!/usr/bin/env node
// The web app's HTTP server (serve.mjs starts it in place of `next start`): Next's request
// handler behind a plain node:http server bound to WEB_HOST (default 127.0.0.1, as the README
// says) on WEB_PORT. It exists for one reason besides the bind address: it tells the app the
// address of the socket each request came in on (PEER_ADDRESS_HEADER, overwriting whatever a
// client sent under that name), which Next does not (it keeps a client's own x-forwarded-for).
// The app's per-address rate limits read it (src/server/http/client-address.ts).
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The same name as src/server/http/client-address.ts (a test checks they agree). */
export const PEER_ADDRESS_HEADER = 'x-holocall-peer-address';
export const DEFAULT_WEB_HOST = '127.0.0.1';

/** Stamps the socket's remote address on an incoming request, replacing any client-sent value. */
export function stampPeerAddress(req) {
  req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
}

/** A node:http server that stamps each request and hands it to `handle` (Next's request handler). */
export function createWebServer(handle) {
  return http.createServer((req, res) => {
    stampPeerAddress(req);
    handle(req, res);
  });
}

const log = (msg, fields = {}) =>
  console.log(JSON.stringify({ t: new Date().toISOString(), level: 'info', component: 'web-server', msg, ...fields }));

async function main() {
  const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const host = process.env.WEB_HOST || DEFAULT_WEB_HOST;
  const port = Number(process.env.WEB_PORT || '3000');
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: appDir, hostname: host, port });
  await app.prepare();
  const server = createWebServer(app.getRequestHandler());
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
  server.listen(port, host, () => log('listening', { host, port }));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      server.close();
      // Whoever else listens for the signal (the app closing its database) ends the process.
      if (process.listenerCount(signal) === 0) process.exit(0);
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
