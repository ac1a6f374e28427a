import { ErrorCode, HolocallError } from '@holocall/protocol';
import { loadConfig } from '../config';
import { prisma } from '../db';
import { publicOrigin } from '../http/origin';
import { readCookies, sessionCookieFor, verifySessionCookie } from './session-cookie';

export interface CurrentUser {
  userId: string;
  sessionId: string;
  displayName: string;
  avatarId: string | null;
}

/**
 * The signed-in user behind a request, or null: a cookie must verify and its session be live.
 * When the browser sends several session cookies (another path, or a page on another port of
 * this host planted one), each is checked in turn and the first live one wins, so a planted
 * cookie that does not verify cannot shadow the real one.
 */
export async function currentUser(request: Request): Promise<CurrentUser | null> {
  const { sessionSecret } = loadConfig();
  for (const value of readCookies(request, sessionCookieFor(publicOrigin(request)).name)) {
    const claims = await verifySessionCookie(value, sessionSecret);
    if (!claims) continue;
    const user = await liveSession(claims.sessionId, claims.userId);
    if (user) return user;
  }
  return null;
}

async function liveSession(sessionId: string, userId: string): Promise<CurrentUser | null> {
  const db = await prisma();
  const session = await db.session.findUnique({
    where: { id: sessionId },
    include: { user: { include: { avatar: { select: { id: true } } } } },
  });
  if (!session || session.userId !== userId || session.revokedAt || session.expiresAt <= new Date()) return null;
  return {
    userId: session.userId,
    sessionId: session.id,
    displayName: session.user.displayName,
    avatarId: session.user.avatar?.id ?? null,
  };
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await currentUser(request);
  if (!user) throw new HolocallError(ErrorCode.Unauthenticated, 'sign in first: choose a display name');
  return user;
}
