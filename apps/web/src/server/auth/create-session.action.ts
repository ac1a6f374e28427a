import { loadConfig } from '../config';
import { prisma } from '../db';
import { rateLimits } from '../http/rate-limits';
import { newId } from '../ids';
import { logger } from '../logger';
import type { CreateSessionRequest, CreateSessionResponse } from './create-session.types';
import type { CurrentUser } from './current-user';
import { SESSION_TTL_SECONDS, signSessionCookie } from './session-cookie';

export interface CreateSessionResult {
  response: CreateSessionResponse;
  /** Set when a new session was made: the cookie value and its expiry. */
  cookie?: { value: string; expiresAt: Date };
}

/**
 * Signs in with a display name. Without a session this makes a user and a session (spending
 * one of `address`'s ACCOUNTS_PER_ADDRESS_PER_HOUR); with one it renames the current user
 * (no second account for the same browser).
 */
export async function createSession(
  input: CreateSessionRequest,
  current: CurrentUser | null,
  address: string,
): Promise<CreateSessionResult> {
  const db = await prisma();
  if (current) {
    await db.user.update({ where: { id: current.userId }, data: { displayName: input.displayName } });
    return {
      response: { user: { userId: current.userId, displayName: input.displayName, avatarId: current.avatarId } },
    };
  }
  await (await rateLimits()).spend('accounts_per_address', address);
  const userId = newId('u');
  const sessionId = newId('s');
  const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000);
  await db.user.create({
    data: { id: userId, displayName: input.displayName, sessions: { create: { id: sessionId, expiresAt } } },
  });
  logger.info('account created', { userId });
  const value = await signSessionCookie({ sessionId, userId }, loadConfig().sessionSecret, expiresAt);
  return {
    response: { user: { userId, displayName: input.displayName, avatarId: null } },
    cookie: { value, expiresAt },
  };
}

export async function endSession(current: CurrentUser): Promise<void> {
  const db = await prisma();
  await db.session.update({ where: { id: current.sessionId }, data: { revokedAt: new Date() } });
}
