import { networkInterfaces } from 'node:os';
import { ErrorCode } from '@holocall/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SfuHandle } from '../src/start-sfu';
import { startTestSfu } from './support/sfu-fixture';

/** A non-loopback IPv4 address of this machine, if it has one. */
function ownNonLoopbackIpv4(): string | undefined {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

async function statsStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}/stats`, { headers });
  const body = (await response.json()) as { error?: { code: string } };
  return body.error ? { status: response.status, code: body.error.code } : { status: response.status };
}

const TOKEN = { authorization: 'Bearer stats-secret' };

describe('GET /stats: open on loopback, a bearer token (SFU_STATS_TOKEN) from anywhere else', () => {
  const address = ownNonLoopbackIpv4();
  let sfu: SfuHandle;
  let tokenless: SfuHandle;
  beforeAll(async () => {
    // Bound on every interface, so it can be reached from off loopback too.
    sfu = await startTestSfu({ httpHost: '0.0.0.0', statsToken: 'stats-secret' });
    tokenless = await startTestSfu({ httpHost: '0.0.0.0' });
  });
  afterAll(async () => {
    await Promise.all([sfu?.close(), tokenless?.close()]);
  });

  it('serves loopback without a token, with or without one configured', async () => {
    expect(await statsStatus(`http://127.0.0.1:${sfu.port}`)).toEqual({ status: 200 });
    expect(await statsStatus(`http://127.0.0.1:${tokenless.port}`)).toEqual({ status: 200 });
    // Not behind a proxy: a forwarded-for header is the client's own words and changes nothing.
    expect(await statsStatus(`http://127.0.0.1:${sfu.port}`, { 'x-forwarded-for': '203.0.113.9' })).toEqual({
      status: 200,
    });
  });

  it.skipIf(address === undefined)('needs the token from a non-loopback address', async () => {
    const url = `http://${address}:${sfu.port}`;
    expect(await statsStatus(url)).toEqual({ status: 401, code: ErrorCode.Unauthenticated });
    expect(await statsStatus(url, { authorization: 'Bearer wrong' })).toEqual({
      status: 401,
      code: ErrorCode.Unauthenticated,
    });
    expect(await statsStatus(url, TOKEN)).toEqual({ status: 200 });
    // No token configured: not served off loopback at all.
    expect(await statsStatus(`http://${address}:${tokenless.port}`, TOKEN)).toEqual({
      status: 403,
      code: ErrorCode.Forbidden,
    });
  });
});

describe('GET /stats behind a reverse proxy (SFU_BEHIND_PROXY)', () => {
  let sfu: SfuHandle;
  beforeAll(async () => {
    sfu = await startTestSfu({ statsToken: 'stats-secret', behindProxy: true });
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('judges the address the proxy forwarded (the last X-Forwarded-For entry), not the proxy’s own', async () => {
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    expect(await statsStatus(sfu.url, remote)).toEqual({ status: 401, code: ErrorCode.Unauthenticated });
    expect(await statsStatus(sfu.url, { ...remote, ...TOKEN })).toEqual({ status: 200 });
    // A client that writes "127.0.0.1" first gains nothing: the proxy appends the real address.
    expect(await statsStatus(sfu.url, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' })).toEqual({
      status: 401,
      code: ErrorCode.Unauthenticated,
    });
    // A request from the proxy's host itself (no header) is loopback.
    expect(await statsStatus(sfu.url)).toEqual({ status: 200 });
  });
});
