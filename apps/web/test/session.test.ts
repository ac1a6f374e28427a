import { describe, expect, it } from 'vitest';
import { DELETE, GET, POST } from '../src/app/api/session/route';
import { SESSION_COOKIE, signSessionCookie } from '../src/server/auth/session-cookie';
import { call, SECRETS, signIn, useTestApp } from './support/app';

describe('accounts: a display name and a signed session cookie', () => {
  const app = useTestApp();

  it('signs in with a display name and sets an httpOnly, SameSite=Lax cookie', async () => {
    const res = await call(POST, 'POST', '/api/session', { json: { displayName: '  Ada Lovelace ' } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ displayName: 'Ada Lovelace', avatarId: null });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
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
    expect((await call(GET, 'GET', '/api/session', { cookie: `${SESSION_COOKIE}=${otherKey}` })).body.user).toBeNull();
    const unknownSession = await signSessionCookie(
      { sessionId: 's_unknown', userId: 'u_unknown' },
      SECRETS.SESSION_SECRET,
      new Date(Date.now() + 60_000),
    );
    const res = await call(GET, 'GET', '/api/session', { cookie: `${SESSION_COOKIE}=${unknownSession}` });
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
    expect((await call(GET, 'GET', '/api/session', { cookie: `${SESSION_COOKIE}=${expired}` })).body.user).toBeNull();
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
});
