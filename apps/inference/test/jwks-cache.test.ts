import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HolocallError, JWKS_PATH, verifyInferenceToken } from '@holocall/protocol';
import { JwksTestServer, signTestInferenceToken, testSigningKey } from '@holocall/protocol/test-support/token-keys';
import { RetryPolicy } from '@holocall/service/retry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CachedTokenKeys, describeJwksFailure } from '../src/jwks-cache';
import { createLogger } from '../src/log';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { RenderPool } from '../src/render/render-pool';
import { type RunningNode, startInferenceNode } from '../src/start';
import { connect, ORIGIN, testConfig } from './support/ws-client';

const log = createLogger({ sink: () => {} }, 'silent');
/** Retries quickly, so a test sees the second try. */
const FAST = new RetryPolicy({ delaysMs: [50] });

let dir: string;
const opened: CachedTokenKeys[] = [];
const servers: { close(): unknown }[] = [];

function keys(url: string, options: Partial<ConstructorParameters<typeof CachedTokenKeys>[1]> = {}) {
  const k = new CachedTokenKeys(url, { logger: log, cacheFile: path.join(dir, 'jwks.json'), retry: FAST, ...options });
  opened.push(k);
  return k;
}

/** A port on loopback that nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createHttpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function serve(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => server.close() });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'h2-jwks-'));
});
afterEach(() => {
  for (const k of opened.splice(0)) k.close();
  rmSync(path.join(dir, 'jwks.json'), { force: true });
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a participant's node keeps the server's keys", () => {
  it('fetches, keeps them on disk, and a restart with the server gone still checks tokens', async () => {
    const key = await testSigningKey('k1');
    const jwks = await JwksTestServer.start([key]);
    const url = jwks.url;
    const token = await signTestInferenceToken(key, { origin: ORIGIN });

    const first = keys(url);
    await first.ready;
    expect(first.server()).toEqual({ url: new URL(url).origin, reachable: true });
    await expect(verifyInferenceToken(token, first.getKey, ORIGIN)).resolves.toMatchObject({ origin: ORIGIN });
    const saved = JSON.parse(readFileSync(path.join(dir, 'jwks.json'), 'utf8'));
    expect(saved.url).toBe(url);
    expect(saved.jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(['k1']);
    first.close();

    // The server goes away; the node restarts with the same URL and its cache.
    await jwks.close();
    const restarted = keys(url);
    await restarted.ready;
    await expect(verifyInferenceToken(token, restarted.getKey, ORIGIN)).resolves.toMatchObject({ origin: ORIGIN });
    // It tried, and says the server does not answer.
    await new Promise((r) => setTimeout(r, 100));
    expect(restarted.server()).toMatchObject({
      reachable: false,
      detail: expect.stringContaining('connection refused'),
    });
  });

  it('a cache kept for another server is not used', async () => {
    const key = await testSigningKey('k1');
    const jwks = await JwksTestServer.start([key]);
    await keys(jwks.url).ready;
    await jwks.close();
    expect(readFileSync(path.join(dir, 'jwks.json'), 'utf8')).toContain('k1');
    const other = keys(`http://127.0.0.1:${await deadPort()}${JWKS_PATH}`);
    await other.ready;
    expect(other.kids()).toEqual([]);
  });

  it('an unknown kid fetches once more (a rotated key), then not again within the cooldown', async () => {
    const old = await testSigningKey('old');
    const rotated = await testSigningKey('new');
    const jwks = await JwksTestServer.start([old]);
    const k = keys(jwks.url, { cooldownMs: 0 });
    await k.ready;
    expect(jwks.fetches).toBe(1);
    jwks.setKeys([old, rotated]);
    const token = await signTestInferenceToken(rotated, { origin: ORIGIN });
    await expect(verifyInferenceToken(token, k.getKey, ORIGIN)).resolves.toBeTruthy();
    expect(jwks.fetches).toBe(2);

    const cooling = keys(jwks.url, { cooldownMs: 60_000 });
    await cooling.ready;
    const stranger = await signTestInferenceToken(await testSigningKey('stranger'), { origin: ORIGIN });
    const before = jwks.fetches;
    await expect(verifyInferenceToken(stranger, cooling.getKey, ORIGIN)).rejects.toMatchObject({
      details: { reason: 'token_unknown_key' },
    });
    expect(jwks.fetches).toBe(before);
    await jwks.close();
  });

  it('with no keys at all, a token is refused as unavailable, naming the server and what failed', async () => {
    const url = `http://127.0.0.1:${await deadPort()}${JWKS_PATH}`;
    const k = keys(url);
    await k.ready;
    const token = await signTestInferenceToken(await testSigningKey(), { origin: ORIGIN });
    const refusal = await verifyInferenceToken(token, k.getKey, ORIGIN).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(HolocallError);
    expect(refusal).toMatchObject({
      code: 'unavailable',
      details: {
        reason: 'token_keys_unavailable',
        server: { url: new URL(url).origin, reachable: false, detail: expect.stringContaining('refused') },
      },
    });
  });

  it('retries on its policy until the server answers', async () => {
    const key = await testSigningKey('late');
    const port = await deadPort();
    const k = keys(`http://127.0.0.1:${port}${JWKS_PATH}`);
    await k.ready;
    expect(k.server().reachable).toBe(false);
    // The server comes up on that port.
    const late = createHttpServer((_req, res) => res.end(JSON.stringify({ keys: [key.publicJwk] })));
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
    servers.push({ close: () => late.close() });
    const until = Date.now() + 3000;
    while (!k.server().reachable && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(k.server().reachable).toBe(true);
    expect(k.kids()).toEqual(['late']);
  });
});

describe('what failed, in words', () => {
  it('HTTP status, not JSON, JSON that is no JWKS', async () => {
    const host = await serve(
      createHttpServer((req, res) => {
        if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
        else if (req.url === '/json') res.writeHead(200).end('{"hello":1}');
        else res.writeHead(404).end();
      }),
    );
    const detailFor = async (p: string) => {
      const k = keys(`http://${host}${p}`, { cacheFile: null });
      await k.ready;
      return k.server().detail;
    };
    expect(await detailFor(JWKS_PATH)).toMatch(/HTTP 404/);
    expect(await detailFor('/html')).toMatch(/not JSON/);
    expect(await detailFor('/json')).toMatch(/not a JWKS/);
  });

  it('a name that does not resolve is a DNS failure', async () => {
    const k = keys('http://holocall-h2-test.invalid/.well-known/jwks.json', { cacheFile: null });
    await k.ready;
    expect(k.server().detail).toMatch(/DNS: the name holocall-h2-test\.invalid does not resolve|no answer/);
  });

  it('a certificate this machine does not trust says to pass --ca', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...[
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
      ],
      { stdio: 'ignore' },
    );
    expect(statSync(cert).size).toBeGreaterThan(0);
    const host = await serve(
      createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('{"keys":[]}')),
    );
    const k = keys(`https://${host}${JWKS_PATH}`, { cacheFile: null });
    await k.ready;
    expect(k.server().detail).toMatch(/TLS: the server's certificate is not trusted here .*pass --ca <file>/);
  });

  it('a timeout and an unknown error keep their words', () => {
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    expect(describeJwksFailure(timeout, 'https://a.test/x')).toBe('no answer from a.test in time');
    const odd = new TypeError('fetch failed', { cause: Object.assign(new Error('weird'), { code: 'EWEIRD' }) });
    expect(describeJwksFailure(odd, 'https://a.test/x')).toBe('weird (EWEIRD)');
  });
});

describe('the node tells pages whether it reaches its server', () => {
  let pool: RenderPool;
  let running: RunningNode | null = null;
  beforeAll(async () => {
    pool = await RenderPool.start(0);
  });
  afterEach(async () => {
    await running?.close();
    running = null;
  });
  afterAll(async () => {
    await pool.close();
  });

  it('in the welcome when it holds keys, and in the refusal of hello when it holds none', async () => {
    const key = await testSigningKey('welcome');
    const jwks = await JwksTestServer.start([key]);
    running = await startInferenceNode(
      testConfig({ jwksUrl: jwks.url, jwksCacheFile: path.join(dir, 'jwks.json'), reenact: 'identity' }),
      log,
      { stage: new CpuRenderStage(pool), warmLiftWorker: false },
    );
    const token = await signTestInferenceToken(key, { origin: ORIGIN });
    const ok = await connect(running.port, ORIGIN);
    ok.sendJson({ type: 'hello', protocolVersion: 1, token });
    expect(await ok.next((m) => m.type === 'welcome')).toMatchObject({
      server: { url: new URL(jwks.url).origin, reachable: true },
    });
    ok.ws.close();
    await running.close();
    await jwks.close();
    rmSync(path.join(dir, 'jwks.json'), { force: true });

    // A node whose server never answered: hello is refused, and the refusal says why.
    const dead = `http://127.0.0.1:${await deadPort()}${JWKS_PATH}`;
    running = await startInferenceNode(testConfig({ jwksUrl: dead, reenact: 'identity' }), log, {
      stage: new CpuRenderStage(pool),
      warmLiftWorker: false,
    });
    const refused = await connect(running.port, ORIGIN);
    refused.sendJson({ type: 'hello', protocolVersion: 1, token });
    expect(await refused.next((m) => m.type === 'error')).toMatchObject({
      code: 'unavailable',
      details: { reason: 'token_keys_unavailable', server: { url: new URL(dead).origin, reachable: false } },
    });
    expect((await refused.closed).code).toBe(4401);
  });
});
