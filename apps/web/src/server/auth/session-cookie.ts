import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The session cookie: an HS256 JWT (SESSION_SECRET) carrying the session id and user id.
 * httpOnly so page scripts never see it; SameSite=Lax so other sites' POSTs go without it.
 * The signature stops forgery; the sessions table lets a sign-out revoke it before expiry.
 */
export const SESSION_COOKIE = 'holocall_session';
export const SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = 'holocall-web';
const AUDIENCE = 'holocall-session';
/** A cookie value longer than this is not ours: refuse before parsing. */
const MAX_COOKIE_LENGTH = 2048;

export interface SessionClaims {
  sessionId: string;
  userId: string;
}

const key = (secret: string) => new TextEncoder().encode(secret);

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

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function sessionCookieHeader(value: string, expiresAt: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookieHeader(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join(
    '; ',
  );
}
