import { parseCookie, stringifySetCookie } from 'cookie';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The session cookie: an HS256 JWT (SESSION_SECRET) carrying the session id and user id.
 * httpOnly so page scripts never see it; SameSite=Lax so other sites' POSTs go without it.
 * The signature stops forgery; the sessions table lets a sign-out revoke it before expiry.
 *
 * Its name has the `__Host-` prefix wherever the browser keeps Secure cookies: the browser then
 * refuses the name unless it is Secure, Path=/ and without Domain, so no sibling subdomain and
 * no path below / can plant one beside ours. Chromium keeps Secure cookies on https and on
 * plain-http loopback origins (localhost, *.localhost, 127.0.0.0/8, [::1]: secure contexts),
 * and drops them on any other plain-http origin, where the cookie goes without prefix and
 * without Secure (checked in real Chromium; see test/session.test.ts).
 */
export const SESSION_COOKIE_NAME = 'holocall_session';
export const HOST_SESSION_COOKIE_NAME = `__Host-${SESSION_COOKIE_NAME}`;
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = 'holocall-web';
const AUDIENCE = 'holocall-session';
/** A cookie value longer than this is not ours: refuse before parsing. */
const MAX_COOKIE_LENGTH = 2048;
/** A Cookie header holding more session cookies than this is not a browser's: look at the first ones only. */
export const MAX_SESSION_COOKIE_CANDIDATES = 4;

export interface SessionClaims {
  sessionId: string;
  userId: string;
}

/** The session cookie's name and whether it is Secure, for the origin the browser sees. */
export interface SessionCookieKind {
  name: string;
  secure: boolean;
}

const key = (secret: string) => new TextEncoder().encode(secret);

/** Hosts whose plain-http pages are secure contexts in browsers (they keep Secure cookies). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** `__Host-` and Secure on https and loopback origins; the bare name, not Secure, on other plain-http origins. */
export function sessionCookieFor(origin: string): SessionCookieKind {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { name: SESSION_COOKIE_NAME, secure: false };
  }
  const secure = url.protocol === 'https:' || isLoopbackHost(url.hostname);
  return secure ? { name: HOST_SESSION_COOKIE_NAME, secure } : { name: SESSION_COOKIE_NAME, secure };
}

export async function signSessionCookie(claims: SessionClaims, secret: string, expiresAt: Date): Promise<string> {
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key(secret));
}

/** Returns the claims of a valid cookie value, or null for anything else (absent, forged, expired). */
export async function verifySessionCookie(value: string | undefined, secret: string): Promise<SessionClaims | null> {
  if (!value || value.length > MAX_COOKIE_LENGTH) return null;
  try {
    const { payload } = await jwtVerify(value, key(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') return null;
    return { sessionId: payload.sid, userId: payload.sub };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/**
 * Every value sent under `name`, in the order the browser sent them (up to `limit`). Browsers
 * send several cookies of one name when they differ in path or domain, and a page on another
 * port of the same host shares this host's cookies: the caller verifies each rather than trust
 * the first. Parsed by the `cookie` package, whose decoding leaves a malformed `%` escape as it
 * is instead of throwing.
 */
export function readCookies(request: Request, name: string, limit = MAX_SESSION_COOKIE_CANDIDATES): string[] {
  const header = request.headers.get('cookie');
  if (!header) return [];
  const values: string[] = [];
  // parseCookie keeps only the first of a name; each pair is parsed on its own to see them all.
  for (const pair of header.split(';')) {
    const value = parseCookie(pair)[name];
    if (value === undefined) continue;
    values.push(value);
    if (values.length >= limit) break;
  }
  return values;
}

export function sessionCookieHeader(value: string, expiresAt: Date, kind: SessionCookieKind): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return stringifySetCookie(kind.name, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge,
    secure: kind.secure,
  });
}

export function clearedSessionCookieHeader(kind: SessionCookieKind): string {
  return stringifySetCookie(kind.name, '', {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 0,
    secure: kind.secure,
  });
}
