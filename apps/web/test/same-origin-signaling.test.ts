import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Socket as ServerSocket, Server as SocketServer } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls } from '../../../scripts/setup/tls.mjs';
import { SFU_PATH_PREFIX, sfuPathFor } from '../scripts/sfu-proxy.mjs';
import { createWebServer, readServerOptions, WebServerConfigError } from '../scripts/web-server.mjs';
import { SignalingClient, signalingTarget } from '../src/client/call/signaling';
import { readConfig, SFU_SIGNALING_PATH } from '../src/server/config';
import { sfuUrlFor } from '../src/server/http/origin';

/**
 * The SFU's signaling carried by the web origin (scripts/web-server.mjs + sfu-proxy.mjs): a real
 * socket.io server stands in for the SFU's HTTP server, behind the real web server over HTTPS
 * with a certificate from the local CA.
 */
let tmp = '';
let tls: Awaited<ReturnType<typeof ensureLocalTls>>;
let ca = '';
let sfuHttp: http.Server;
let sfuIo: SocketServer;
let sfuOrigin = '';
const seen: { address: string | undefined; socket: ServerSocket }[] = [];
const servers: http.Server[] = [];
const clients: Socket[] = [];

const listen = async (server: http.Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
};
const notFound: http.RequestListener = (_req, res) => {
  res.statusCode = 404;
  res.end('next would answer here');
};
const webServer = async (options: Parameters<typeof createWebServer>[1]) => listen(createWebServer(notFound, options));
const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
const client = (url: string, options: Parameters<typeof io>[1] = {}) => {
  const socket = io(url, { transports: ['websocket'], reconnection: false, ca, ...options });
  clients.push(socket);
  return socket;
};
const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'holocall-signaling-'));
  tls = await ensureLocalTls(tmp, { hosts: ['192.168.50.1'] });
  ca = fs.readFileSync(tls.caCert, 'utf8');
  sfuHttp = http.createServer(notFound);
  // As apps/sfu attaches it: default path /socket.io/, origins checked in allowRequest.
  sfuIo = new SocketServer(sfuHttp, {
    serveClient: false,
    allowRequest: (req, callback) => callback(null, req.headers.origin !== 'https://evil.example'),
  });
  sfuIo.on('connection', (socket) => {
    seen.push({ address: socket.handshake.headers['x-forwarded-for'] as string | undefined, socket });
    socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack(value));
    socket.on('push-me', () => socket.emit('pushed', 'from the SFU'));
  });
  const port = await new Promise<number>((resolve) =>
    sfuHttp.listen(0, '127.0.0.1', () => resolve((sfuHttp.address() as AddressInfo).port)),
  );
  sfuOrigin = `http://127.0.0.1:${port}`;
});

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  seen.length = 0;
});

afterAll(async () => {
  await sfuIo.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the SFU signaling under /sfu of the web origin', () => {
  it('is reached over HTTPS with socket.io path /sfu/socket.io/, both ways, the client address forwarded', async () => {
    const port = await webServer({ ...readTlsPair(), sfuTarget: sfuOrigin });
    const target = signalingTarget(`https://127.0.0.1:${port}/sfu`);
    expect(target).toEqual({ origin: `https://127.0.0.1:${port}`, path: '/sfu/socket.io/' });
    // Whatever the client claims in x-forwarded-for is replaced by its socket's address.
    const socket = client(target.origin, { path: target.path, extraHeaders: { 'x-forwarded-for': '6.6.6.6' } });
    await connected(socket);
    expect(seen.map((s) => s.address)).toEqual(['127.0.0.1']);
    expect(await socket.timeout(2_000).emitWithAck('echo', { big: 'x'.repeat(100_000) })).toEqual({
      big: 'x'.repeat(100_000),
    });
    const pushed = new Promise((resolve) => socket.once('pushed', resolve));
    socket.emit('push-me');
    expect(await pushed).toBe('from the SFU');
  });

  it("is not reached by the URL's pathname alone: socket.io-client takes it for a namespace", async () => {
    const port = await webServer({ ...readTlsPair(), sfuTarget: sfuOrigin });
    const naive = client(`https://127.0.0.1:${port}/sfu`);
    await expect(connected(naive)).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('behind a trusted proxy forwards the last x-forwarded-for entry, the one that proxy added', async () => {
    const port = await webServer({ sfuTarget: sfuOrigin, trustProxy: true });
    const socket = client(`http://127.0.0.1:${port}`, {
      path: '/sfu/socket.io/',
      extraHeaders: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' },
    });
    await connected(socket);
    expect(seen.map((s) => s.address)).toEqual(['203.0.113.9']);
  });

  it('passes a close on either side to the other', async () => {
    const port = await webServer({ ...readTlsPair(), sfuTarget: sfuOrigin });
    const options = { path: '/sfu/socket.io/' };
    const first = client(`https://127.0.0.1:${port}`, options);
    await connected(first);
    const byServer = new Promise<string>((resolve) => first.once('disconnect', resolve));
    seen[0]?.socket.disconnect(true);
    expect(await byServer).toBe('io server disconnect');

    const second = client(`https://127.0.0.1:${port}`, options);
    await connected(second);
    const serverSide = seen[1]?.socket;
    const closed = new Promise<string>((resolve) => serverSide?.once('disconnect', resolve));
    second.close();
    expect(await closed).toMatch(/transport close|client namespace disconnect/);

    // The SFU's own connection dropping (its process gone) closes the browser's.
    const third = client(`https://127.0.0.1:${port}`, options);
    await connected(third);
    const dropped = new Promise<string>((resolve) => third.once('disconnect', resolve));
    seen[2]?.socket.conn.transport.close();
    expect(await dropped).toBe('transport close');
  });

  it("closes the SFU's connection when the browser's is reset (no FIN for a pipe to pass on)", async () => {
    const port = await webServer({ sfuTarget: sfuOrigin });
    const raw = await rawUpgrade(port, '/sfu/socket.io/?EIO=4&transport=websocket');
    const sfuConnections = () =>
      new Promise<number>((resolve, reject) => sfuHttp.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    let open = await sfuConnections();
    expect(open).toBe(1);
    raw.resetAndDestroy();
    const end = Date.now() + 5_000;
    while (open > 0 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      open = await sfuConnections();
    }
    expect(open).toBe(0);
  });

  it("gives the browser the SFU's own refusal (an origin it does not accept)", async () => {
    const port = await webServer({ sfuTarget: sfuOrigin });
    const refused = client(`http://127.0.0.1:${port}`, {
      path: '/sfu/socket.io/',
      extraHeaders: { origin: 'https://evil.example' },
    });
    await expect(connected(refused)).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('answers other upgrades 404 and an unreachable SFU 502', async () => {
    const idle = http.createServer();
    const deadPort = await listen(idle);
    await new Promise((resolve) => idle.close(resolve));
    const port = await webServer({ sfuTarget: `http://127.0.0.1:${deadPort}` });
    expect(await upgradeStatus(port, '/socket.io/?EIO=4&transport=websocket')).toBe(404);
    expect(await upgradeStatus(port, '/sfu/other')).toBe(404);
    expect(await upgradeStatus(port, '/sfu/socket.io/?EIO=4&transport=websocket')).toBe(502);
  });

  it('is what SignalingClient connects to for an SFU URL with a path', async () => {
    const port = await webServer({ sfuTarget: sfuOrigin });
    const signaling = new SignalingClient(`http://127.0.0.1:${port}/sfu/`);
    try {
      await until(() => signaling.socket.connected);
      expect(seen).toHaveLength(1);
    } finally {
      signaling.close();
    }
    // Without a path: the SFU's own port, as before.
    expect(signalingTarget('http://127.0.0.1:3001')).toEqual({ origin: 'http://127.0.0.1:3001', path: '/socket.io/' });
  });

  it('keeps its prefix in step with the web config, and strips it', () => {
    expect(SFU_SIGNALING_PATH).toBe(SFU_PATH_PREFIX);
    expect(sfuPathFor('/sfu/socket.io/?EIO=4&transport=websocket')).toBe('/socket.io/?EIO=4&transport=websocket');
    expect(sfuPathFor('/sfux/socket.io/')).toBeNull();
  });
});

describe("the web server's settings", () => {
  it('serves HTTPS with WEB_TLS_CERT and WEB_TLS_KEY, plain http with neither', async () => {
    const options = readServerOptions({ WEB_TLS_CERT: tls.cert, WEB_TLS_KEY: tls.key, SFU_PORT: '3999' });
    expect(options.sfuTarget).toBe('http://127.0.0.1:3999');
    expect(options.tls?.cert).toContain('BEGIN CERTIFICATE');
    const port = await webServer(options);
    const res = await httpsGet(port);
    expect(res).toBe(404);
    expect(readServerOptions({})).toEqual({ tls: null, sfuTarget: 'http://127.0.0.1:3001', trustProxy: false });
    expect(readServerOptions({ SFU_INTERNAL_URL: 'http://10.0.0.2:4001/', WEB_TRUST_PROXY: '1' })).toMatchObject({
      sfuTarget: 'http://10.0.0.2:4001',
      trustProxy: true,
    });
  });

  it('refuses one file without the other, an unreadable or non-PEM file, a mismatched pair, naming each', () => {
    const problem = (env: Record<string, string>) => {
      try {
        readServerOptions(env);
      } catch (error) {
        expect(error).toBeInstanceOf(WebServerConfigError);
        return error as WebServerConfigError;
      }
      throw new Error('accepted');
    };
    expect(problem({ WEB_TLS_CERT: tls.cert }).message).toMatch(/WEB_TLS_KEY is not set but WEB_TLS_CERT is/);
    expect(problem({ WEB_TLS_KEY: tls.key }).variables).toEqual(['WEB_TLS_CERT']);
    const missing = problem({ WEB_TLS_CERT: path.join(tmp, 'nope.pem'), WEB_TLS_KEY: tls.key });
    expect(missing.message).toMatch(/WEB_TLS_CERT cannot be read \(ENOENT/);
    const notPem = path.join(tmp, 'not.pem');
    fs.writeFileSync(notPem, 'hello');
    expect(problem({ WEB_TLS_CERT: tls.cert, WEB_TLS_KEY: notPem }).message).toMatch(/WEB_TLS_KEY is not a PEM file/);
    // The CA's key with the server's certificate.
    expect(problem({ WEB_TLS_CERT: tls.cert, WEB_TLS_KEY: tls.caKey }).message).toMatch(/not a usable pair/);
    const many = problem({ WEB_TLS_CERT: tls.cert, SFU_INTERNAL_URL: 'https://x', WEB_TRUST_PROXY: 'maybe' });
    expect(many.variables).toEqual(['WEB_TLS_KEY', 'SFU_INTERNAL_URL', 'WEB_TRUST_PROXY']);
  });
});

describe('where the page is told to reach the SFU', () => {
  const env = { NODE_ENV: 'test', SESSION_SECRET: 's'.repeat(40), HOLOCALL_DATA_DIR: '/tmp/x' } as NodeJS.ProcessEnv;

  it('SFU_PUBLIC_URL=/sfu: that path on the origin the page was opened on', () => {
    expect(readConfig({ ...env, SFU_PUBLIC_URL: '/sfu/' }).sfuPublicUrl).toBe('/sfu');
    const join = new Request('https://192.168.50.1:3400/api/rooms/x/join', {
      method: 'POST',
      headers: { origin: 'https://192.168.50.1:3400', host: '192.168.50.1:3400' },
    });
    expect(sfuUrlFor(join, '/sfu', 3001)).toBe('https://192.168.50.1:3400/sfu');
    const byName = new Request('http://internal/api', {
      headers: { host: 'calls.lan:3400', 'x-forwarded-proto': 'https' },
    });
    expect(sfuUrlFor(byName, '/sfu', 3001)).toBe('https://calls.lan:3400/sfu');
    // Unchanged: a full URL, or the page's host on SFU_PORT.
    expect(sfuUrlFor(join, 'https://sfu.example/', 3001)).toBe('https://sfu.example');
  });

  it('refuses another path, or one that would leave the origin', () => {
    expect(() => readConfig({ ...env, SFU_PUBLIC_URL: '/media' })).toThrow(/SFU_PUBLIC_URL as a path must be \/sfu/);
    expect(() => readConfig({ ...env, SFU_PUBLIC_URL: '//evil.example/sfu' })).toThrow(/SFU_PUBLIC_URL/);
  });
});

function readTlsPair() {
  return { tls: { cert: fs.readFileSync(tls.cert, 'utf8'), key: fs.readFileSync(tls.key, 'utf8') } };
}

const upgradeHeaders = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

function upgradeStatus(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: url,
      headers: upgradeHeaders,
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('upgraded'));
    });
    req.on('error', reject);
    req.end();
  });
}

function rawUpgrade(port: number, url: string): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, headers: upgradeHeaders });
    req.on('upgrade', (_res, socket) => resolve(socket as import('node:net').Socket));
    req.on('response', (res) => reject(new Error(`answered ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

async function httpsGet(port: number): Promise<number> {
  const { default: https } = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/api/health', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}
