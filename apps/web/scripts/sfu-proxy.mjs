// The SFU's signaling under the web origin: web-server.mjs hands this every WebSocket upgrade.
// One origin then serves the page and its signaling (one certificate, one port, one firewall
// rule), and the SFU's own HTTP server stays on loopback. Only upgrades are proxied: browsers
// use socket.io's WebSocket transport alone (src/client/call/signaling.ts), never polling.
// Small by hand rather than a dependency: one request line and its headers go up, the answer
// comes back, then bytes are piped both ways and a close on either side closes the other.
import http from 'node:http';

/** The path prefix of the SFU under the web origin; removed before the request goes to the SFU. */
export const SFU_PATH_PREFIX = '/sfu';
/** socket.io's default path on the SFU (apps/sfu attaches with it). */
const SOCKET_IO_PATH = '/socket.io/';

/**
 * The client's address as the web app counts it (src/server/http/client-address.ts): the socket's,
 * or behind a proxy (WEB_TRUST_PROXY) the last `x-forwarded-for` entry, the one that proxy added.
 */
export function forwardedClientAddress(req, trustProxy) {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length > 0) return entries[entries.length - 1];
  }
  return req.socket.remoteAddress ?? '';
}

/** `/sfu/socket.io/?EIO=4…` → `/socket.io/?EIO=4…`; null for any other path (not the SFU's). */
export function sfuPathFor(url) {
  if (!url?.startsWith(`${SFU_PATH_PREFIX}${SOCKET_IO_PATH}`)) return null;
  return url.slice(SFU_PATH_PREFIX.length);
}

/**
 * An `upgrade` listener for the web server. `target` is the SFU's own HTTP origin
 * (SFU_INTERNAL_URL). The SFU is given the client's address as the only `x-forwarded-for`
 * entry (whatever the client wrote there is dropped), so with SFU_BEHIND_PROXY its per-address
 * caps count participants, not the web server.
 */
export function createSfuUpgradeProxy({ target, trustProxy = false, onError = () => {} }) {
  const base = new URL(target);
  return (req, socket, head) => {
    const path = sfuPathFor(req.url);
    if (path === null) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const headers = { ...req.headers, 'x-forwarded-for': forwardedClientAddress(req, trustProxy) };
    headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
    const upstream = http.request({
      host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port || 80,
      method: req.method,
      path,
      headers,
    });
    socket.on('error', () => upstream.destroy());
    upstream.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      socket.write(statusLine(res) + rawHeaderLines(res.rawHeaders));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      // Bytes the client sent after its request headers go up first.
      if (head.length > 0) upstreamSocket.write(head);
      for (const s of [socket, upstreamSocket]) {
        s.setNoDelay(true);
        s.setTimeout(0);
      }
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
      const closeBoth = () => {
        socket.destroy();
        upstreamSocket.destroy();
      };
      socket.on('close', closeBoth);
      upstreamSocket.on('close', closeBoth);
      upstreamSocket.on('error', closeBoth);
    });
    // The SFU answered without upgrading (a refused origin, a bad handshake): the client gets that answer.
    // Its body is sent as it arrives and the connection closed after it (no chunked framing to redo).
    upstream.on('response', (res) => {
      const kept = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (!/^(connection|transfer-encoding|keep-alive)$/i.test(res.rawHeaders[i])) {
          kept.push(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
      }
      socket.write(statusLine(res) + rawHeaderLines([...kept, 'Connection', 'close']));
      res.pipe(socket);
    });
    upstream.on('error', (error) => {
      onError(error);
      refuse(socket, 502, 'Bad Gateway');
    });
    upstream.end();
  };
}

function statusLine(res) {
  return `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
}

function rawHeaderLines(raw) {
  let text = '';
  for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${text}\r\n`;
}

function refuse(socket, status, message) {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
