import { ErrorCode, HolocallError } from '@holocall/protocol';
import { loadConfig } from '../config';
import { prisma } from '../db';
import { readCookie, SESSION_COOKIE, verifySessionCookie } from './session-cookie';

export interface CurrentUser {
  userId: string;
  sessionId: string;
  displayName: string;
  avatarId: string | null;
}

/** The signed-in user behind a request, or null: the cookie must verify and its session be live. */
export async function currentUser(request: Request): Promise<CurrentUser | null> {
  const claims = await verifySessionCookie(readCookie(request, SESSION_COOKIE), loadConfig().sessionSecret);
  if (!claims) return null;
  const db = await prisma();
  const session = await db.session.findUnique({
    where: { id: claims.sessionId },
    include: { user: { include: { avatar: { select: { id: true } } } } },
  });
  if (!session || session.userId !== claims.userId || session.revokedAt || session.expiresAt <= new Date()) return null;
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
