import { describe, expect, it } from 'vitest';
import { DELETE, GET, POST } from '../src/app/api/session/route';
import {
  HOST_SESSION_COOKIE_NAME,
  SESSION_COOKIE_NAME,
  sessionCookieFor,
  signSessionCookie,
} from '../src/server/auth/session-cookie';
import { call, SECRETS, signIn, useTestApp } from './support/app';

describe('accounts: a display name and a signed session cookie', () => {
  const app = useTestApp();

  it('signs in with a display name and sets an httpOnly, SameSite=Lax, __Host- cookie', async () => {
    const res = await call(POST, 'POST', '/api/session', { json: { displayName: '  Ada Lovelace ' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ displayName: 'Ada Lovelace', avatarId: null });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${HOST_SESSION_COOKIE_NAME}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    // What the browser demands of a __Host- cookie: Secure, Path=/, no Domain.
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toMatch(/domain=/i);
    const me = await call(GET, 'GET', '/api/session', { cookie: cookie.split(';')[0] });
    expect(me.body.user.displayName).toBe('Ada Lovelace');
  });

  it('renames the signed-in user instead of making a second account', async () => {
    const { cookie, userId } = await signIn(POST, 'Grace');
    const res = await call(POST, 'POST', '/api/session', { cookie, json: { displayName: 'Grace Hopper' } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ userId, displayName: 'Grace Hopper' });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('is nobody without a cookie, with a forged one, or with one for a made-up session', async () => {
    expect((await call(GET, 'GET', '/api/session')).body.user).toBeNull();
    const { cookie } = await signIn(POST, 'Mallory');
    const tampered = `${cookie.slice(0, -4)}AAAA`;
    expect((await call(GET, 'GET', '/api/session', { cookie: tampered })).body.user).toBeNull();
    const otherKey = await signSessionCookie(
      { sessionId: 's_x', userId: 'u_x' },
      'another-secret-that-is-long-enough-000000',
      new Date(Date.now() + 60_000),
    );
    expect(
      (await call(GET, 'GET', '/api/session', { cookie: `${HOST_SESSION_COOKIE_NAME}=${otherKey}` })).body.user,
    ).toBeNull();
    const unknownSession = await signSessionCookie(
      { sessionId: 's_unknown', userId: 'u_unknown' },
      SECRETS.SESSION_SECRET,
      new Date(Date.now() + 60_000),
    );
    const res = await call(GET, 'GET', '/api/session', { cookie: `${HOST_SESSION_COOKIE_NAME}=${unknownSession}` });
    expect(res.body.user).toBeNull();
  });

  it('refuses an expired cookie', async () => {
    const { userId } = await signIn(POST, 'Old');
    const session = await app.db.prisma.session.findFirstOrThrow({ where: { userId } });
    const expired = await signSessionCookie(
      { sessionId: session.id, userId },
      SECRETS.SESSION_SECRET,
      new Date(Date.now() - 1000),
    );
    expect(
      (await call(GET, 'GET', '/api/session', { cookie: `${HOST_SESSION_COOKIE_NAME}=${expired}` })).body.user,
    ).toBeNull();
  });

  it('signs out by revoking the session: the old cookie stops working', async () => {
    const { cookie } = await signIn(POST, 'Leaving');
    const res = await call(DELETE, 'DELETE', '/api/session', { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await call(GET, 'GET', '/api/session', { cookie })).body.user).toBeNull();
  });

  it.each([
    ['an empty name', { displayName: '   ' }],
    ['a name over 80 characters', { displayName: 'x'.repeat(81) }],
    ['control characters', { displayName: 'bad\u0007name' }],
    ['unknown fields', { displayName: 'ok', admin: true }],
    ['a missing name', {}],
  ])('refuses %s with 400', async (_, json) => {
    const res = await call(POST, 'POST', '/api/session', { json });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });

  it('refuses a body that is not JSON, and one over the JSON size limit', async () => {
    const notJson = await call(POST, 'POST', '/api/session', {
      body: 'displayName=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(400);
    const broken = await call(POST, 'POST', '/api/session', {
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    const huge = await call(POST, 'POST', '/api/session', { json: { displayName: 'x', pad: 'y'.repeat(20_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('too_large');
  });

  it('refuses sign-in posted from another site', async () => {
    const res = await call(POST, 'POST', '/api/session', {
      json: { displayName: 'Victim' },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_refused');
    const fetchSite = await call(POST, 'POST', '/api/session', {
      json: { displayName: 'Victim' },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchSite.status).toBe(403);
  });
  it('names the cookie __Host- (Secure) on https and loopback origins, and plainly on other http origins', () => {
    // Checked in Chromium: http://localhost, http://127.0.0.1 and http://*.localhost keep Secure
    // cookies (secure contexts); a plain-http origin such as http://holocall.test drops them.
    for (const origin of ['https://holocall.example', 'http://localhost:3000', 'http://127.0.0.1:3310']) {
      expect(sessionCookieFor(origin)).toEqual({ name: HOST_SESSION_COOKIE_NAME, secure: true });
    }
    for (const origin of ['http://app.localhost:3000', 'http://[::1]:3000']) {
      expect(sessionCookieFor(origin).name).toBe(HOST_SESSION_COOKIE_NAME);
    }
    expect(sessionCookieFor('http://holocall.test:3000')).toEqual({ name: SESSION_COOKIE_NAME, secure: false });
    expect(sessionCookieFor('http://192.168.1.20:3000')).toEqual({ name: SESSION_COOKIE_NAME, secure: false });
  });

  it('on a plain-http LAN origin, sets and reads the cookie without prefix and without Secure', async () => {
    const host = { host: 'holocall.test:3000' };
    const res = await call(POST, 'POST', '/api/session', { json: { displayName: 'Lan' }, headers: host });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE_NAME}=`));
    expect(cookie).not.toContain('Secure');
    const me = await call(GET, 'GET', '/api/session', { cookie: cookie.split(';')[0], headers: host });
    expect(me.body.user.displayName).toBe('Lan');
  });

  it('does not read the unprefixed cookie on a loopback origin (it could have been planted without Secure)', async () => {
    const { cookie } = await signIn(POST, 'Prefixed');
    const value = cookie.slice(cookie.indexOf('=') + 1);
    const res = await call(GET, 'GET', '/api/session', { cookie: `${SESSION_COOKIE_NAME}=${value}` });
    expect(res.body.user).toBeNull();
  });

  it('takes the session cookie that verifies when several share the name (a planted one comes first)', async () => {
    const { cookie, userId } = await signIn(POST, 'Real');
    const forged = await signSessionCookie(
      { sessionId: 's_planted', userId: 'u_planted' },
      'another-secret-that-is-long-enough-000000',
      new Date(Date.now() + 60_000),
    );
    for (const planted of [`${HOST_SESSION_COOKIE_NAME}=${forged}`, `${HOST_SESSION_COOKIE_NAME}=garbage`]) {
      const res = await call(GET, 'GET', '/api/session', { cookie: `${planted}; ${cookie}` });
      expect(res.status).toBe(200);
      expect(res.body.user?.userId).toBe(userId);
    }
  });

  it('answers a cookie with a malformed % escape as nobody (it was a 500 on every request)', async () => {
    for (const header of [`${HOST_SESSION_COOKIE_NAME}=%E0%A4%A`, `other=%zz; ${HOST_SESSION_COOKIE_NAME}=%`]) {
      const res = await call(GET, 'GET', '/api/session', { cookie: header });
      expect(res.status).toBe(200);
      expect(res.body.user).toBeNull();
    }
    // A broken cookie of another name does not hide a good session cookie.
    const { cookie, userId } = await signIn(POST, 'Escaped');
    const res = await call(GET, 'GET', '/api/session', { cookie: `theme=%; ${cookie}` });
    expect(res.body.user?.userId).toBe(userId);
  });
});
