import { createSession, endSession } from '@/server/auth/create-session.action';
import { CreateSessionRequest, type GetSessionResponse } from '@/server/auth/create-session.types';
import { currentUser } from '@/server/auth/current-user';
import { clearedSessionCookieHeader, sessionCookieFor, sessionCookieHeader } from '@/server/auth/session-cookie';
import { readJson } from '@/server/http/body';
import { clientAddress } from '@/server/http/client-address';
import { assertSameOrigin, publicOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';

export const dynamic = 'force-dynamic';

/** Who am I: the signed-in user, or null. */
export const GET = route('session.get', async (request) => {
  const user = await currentUser(request);
  const body: GetSessionResponse = {
    user: user ? { userId: user.userId, displayName: user.displayName, avatarId: user.avatarId } : null,
  };
  return json(body);
});

/** Sign in with a display name (or rename the signed-in user). */
export const POST = route('session.create', async (request) => {
  assertSameOrigin(request);
  const input = await readJson(request, CreateSessionRequest);
  const result = await createSession(input, await currentUser(request), clientAddress(request));
  const headers: Record<string, string> = {};
  if (result.cookie) {
    headers['set-cookie'] = sessionCookieHeader(
      result.cookie.value,
      result.cookie.expiresAt,
      sessionCookieFor(publicOrigin(request)),
    );
  }
  return json(result.response, result.cookie ? 201 : 200, headers);
});

/** Sign out: the session row is revoked, so a copied cookie stops working too. */
export const DELETE = route('session.delete', async (request) => {
  assertSameOrigin(request);
  const user = await currentUser(request);
  if (user) await endSession(user);
  return json({}, 200, { 'set-cookie': clearedSessionCookieHeader(sessionCookieFor(publicOrigin(request))) });
});
