import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as webServer from '../scripts/web-server.mjs';
import { POST as enroll } from '../src/app/api/avatar/route';
import { POST as createRoom } from '../src/app/api/rooms/route';
import { POST as signInRoute, GET as whoAmI } from '../src/app/api/session/route';
import { clientAddress, PEER_ADDRESS_HEADER, UNKNOWN_ADDRESS } from '../src/server/http/client-address';
import {
  ACCOUNTS_PER_ADDRESS_PER_HOUR,
  API_REQUESTS_PER_ADDRESS_PER_MINUTE,
  ENROLLMENTS_PER_ACCOUNT_PER_HOUR,
  ENROLLMENTS_PER_ADDRESS_PER_HOUR,
  RateLimits,
  ROOMS_PER_ACCOUNT_PER_HOUR,
  ROOMS_PER_ADDRESS_PER_HOUR,
} from '../src/server/http/rate-limits';
import { call, freshAddress, signIn, useTestApp } from './support/app';

const from = (address: string) => ({ [PEER_ADDRESS_HEADER]: address });

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
function expectRateLimited(res: { status: number; body: any; headers: Headers }, reason: string, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'rate_limited', details: { reason, limit } });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(res.body.error.details.windowSeconds);
  expect(res.body.error.details.retryAfterSeconds).toBe(retryAfter);
}

/** An upload the limit sees before anything else: its body is never read once the budget is spent. */
const upload = (cookie: string, address: string) =>
  call(enroll, 'POST', '/api/avatar', {
    cookie,
    body: 'not really multipart',
    headers: { 'content-type': 'multipart/form-data; boundary=x', ...from(address) },
  });

const room = (cookie: string, address: string) =>
  call(createRoom, 'POST', '/api/rooms', { cookie, json: { name: 'Room', maxPeers: 4 }, headers: from(address) });

describe('rate limits, per account and per address, kept in the database', () => {
  const app = useTestApp();

  it(`allows ${ACCOUNTS_PER_ADDRESS_PER_HOUR} new accounts an hour from one address, then answers rate_limited`, async () => {
    const address = '203.0.113.7';
    let last = { cookie: '' };
    for (let i = 0; i < ACCOUNTS_PER_ADDRESS_PER_HOUR; i++) {
      const res = await call(signInRoute, 'POST', '/api/session', {
        json: { displayName: `N${i}` },
        headers: from(address),
      });
      expect(res.status).toBe(201);
      last = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
    }
    const refused = await call(signInRoute, 'POST', '/api/session', {
      json: { displayName: 'One more' },
      headers: from(address),
    });
    expectRateLimited(refused, 'accounts_per_address', ACCOUNTS_PER_ADDRESS_PER_HOUR);
    expect(refused.headers.get('set-cookie')).toBeNull();
    // Renaming is not a new account; another address has its own budget.
    const rename = await call(signInRoute, 'POST', '/api/session', {
      cookie: last.cookie,
      json: { displayName: 'Renamed' },
      headers: from(address),
    });
    expect(rename.status).toBe(200);
    const other = await call(signInRoute, 'POST', '/api/session', {
      json: { displayName: 'Elsewhere' },
      headers: from('203.0.113.8'),
    });
    expect(other.status).toBe(201);
  });

  it(`allows ${ROOMS_PER_ACCOUNT_PER_HOUR} rooms an hour per account and ${ROOMS_PER_ADDRESS_PER_HOUR} per address`, async () => {
    const { cookie } = await signIn(signInRoute, 'Host');
    for (let i = 0; i < ROOMS_PER_ACCOUNT_PER_HOUR; i++) expect((await room(cookie, freshAddress())).status).toBe(201);
    expectRateLimited(await room(cookie, freshAddress()), 'rooms_per_account', ROOMS_PER_ACCOUNT_PER_HOUR);

    const address = '198.51.100.20';
    const accounts = Math.ceil(ROOMS_PER_ADDRESS_PER_HOUR / ROOMS_PER_ACCOUNT_PER_HOUR) + 1;
    const cookies = await Promise.all(
      Array.from({ length: accounts }, async (_, i) => (await signIn(signInRoute, `Office ${i}`)).cookie),
    );
    for (let i = 0; i < ROOMS_PER_ADDRESS_PER_HOUR; i++) {
      expect((await room(cookies[i % accounts]!, address)).status).toBe(201);
    }
    expectRateLimited(await room(cookies[0]!, address), 'rooms_per_address', ROOMS_PER_ADDRESS_PER_HOUR);
    expect((await app.db.prisma.room.count()) >= ROOMS_PER_ACCOUNT_PER_HOUR + ROOMS_PER_ADDRESS_PER_HOUR).toBe(true);
  });

  it(`allows ${ENROLLMENTS_PER_ACCOUNT_PER_HOUR} uploads an hour per account and ${ENROLLMENTS_PER_ADDRESS_PER_HOUR} per address`, async () => {
    const { cookie } = await signIn(signInRoute, 'Uploader');
    // Refused uploads count too: receiving the bytes is what the limit protects.
    for (let i = 0; i < ENROLLMENTS_PER_ACCOUNT_PER_HOUR; i++) {
      expect((await upload(cookie, freshAddress())).status).toBe(400);
    }
    expectRateLimited(
      await upload(cookie, freshAddress()),
      'enrollments_per_account',
      ENROLLMENTS_PER_ACCOUNT_PER_HOUR,
    );

    const address = '198.51.100.30';
    const accounts = Math.ceil(ENROLLMENTS_PER_ADDRESS_PER_HOUR / ENROLLMENTS_PER_ACCOUNT_PER_HOUR) + 1;
    const cookies = await Promise.all(
      Array.from({ length: accounts }, async (_, i) => (await signIn(signInRoute, `Lab ${i}`)).cookie),
    );
    for (let i = 0; i < ENROLLMENTS_PER_ADDRESS_PER_HOUR; i++) {
      expect((await upload(cookies[i % accounts]!, address)).status).toBe(400);
    }
    expectRateLimited(await upload(cookies[0]!, address), 'enrollments_per_address', ENROLLMENTS_PER_ADDRESS_PER_HOUR);
  });

  it(`allows ${API_REQUESTS_PER_ADDRESS_PER_MINUTE} API requests a minute from one address`, async () => {
    const address = '192.0.2.99';
    for (let i = 0; i < API_REQUESTS_PER_ADDRESS_PER_MINUTE; i++) {
      const res = await call(whoAmI, 'GET', '/api/session', { headers: from(address) });
      if (res.status !== 200) throw new Error(`request ${i} answered ${res.status}`);
    }
    const refused = await call(whoAmI, 'GET', '/api/session', { headers: from(address) });
    expect(refused.body.error.details.windowSeconds).toBe(60);
    expectRateLimited(refused, 'api_requests_per_address', API_REQUESTS_PER_ADDRESS_PER_MINUTE);
    expect((await call(whoAmI, 'GET', '/api/session', { headers: from('192.0.2.100') })).status).toBe(200);
  });

  it('counts in the database: two limiter instances over one database (two web processes) share the count', async () => {
    const first = new RateLimits(app.db.prisma);
    const second = new RateLimits(app.db.prisma);
    for (let i = 0; i < ROOMS_PER_ACCOUNT_PER_HOUR; i++) {
      await (i % 2 === 0 ? first : second).spend('rooms_per_account', 'u_shared');
    }
    for (const limits of [first, second]) {
      await expect(limits.spend('rooms_per_account', 'u_shared')).rejects.toMatchObject({
        code: 'rate_limited',
        details: { reason: 'rooms_per_account' },
      });
    }
    const row = await app.db.prisma.rateLimit.findUnique({ where: { key: 'rooms_per_account:u_shared' } });
    expect(row?.points).toBeGreaterThan(ROOMS_PER_ACCOUNT_PER_HOUR);
    expect(row?.expire?.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('the client address', () => {
  const request = (headers: Record<string, string>) => new Request('http://localhost:3000/api/x', { headers });

  it('is the socket address web-server.mjs stamps, never x-forwarded-for unless behind a proxy', () => {
    const spoofed = request({ [PEER_ADDRESS_HEADER]: '::ffff:10.1.2.3', 'x-forwarded-for': '1.1.1.1' });
    expect(clientAddress(spoofed, false)).toBe('10.1.2.3');
    expect(clientAddress(request({}), false)).toBe(UNKNOWN_ADDRESS);
  });

  it('behind a proxy (WEB_TRUST_PROXY) is the last x-forwarded-for entry: the one the proxy appended', () => {
    const viaProxy = request({ [PEER_ADDRESS_HEADER]: '127.0.0.1', 'x-forwarded-for': '6.6.6.6, 203.0.113.5 ' });
    expect(clientAddress(viaProxy, true)).toBe('203.0.113.5');
    expect(clientAddress(request({ [PEER_ADDRESS_HEADER]: '127.0.0.1' }), true)).toBe('127.0.0.1');
  });

  it('is stamped by web-server.mjs from the socket, over whatever the client sent under that name', async () => {
    expect(webServer.PEER_ADDRESS_HEADER).toBe(PEER_ADDRESS_HEADER);
    expect(webServer.DEFAULT_WEB_HOST).toBe('127.0.0.1');
    const server = webServer.createWebServer((req, res) => res.end(String(req.headers[PEER_ADDRESS_HEADER])));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_ADDRESS_HEADER]: '6.6.6.6' } });
      expect(await res.text()).toBe('127.0.0.1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
