import type { PrismaClient } from '@holocall/db';

/**
 * A member counts as present while their call page keeps reporting (every
 * PRESENCE_HEARTBEAT_SECONDS); a closed tab stops counting after PRESENCE_WINDOW_SECONDS even
 * when its leave beacon was lost.
 */
export const PRESENCE_HEARTBEAT_SECONDS = 30;
export const PRESENCE_WINDOW_SECONDS = 90;

type Db = Pick<PrismaClient, 'membership'>;

export function presentSince(now = Date.now()): Date {
  return new Date(now - PRESENCE_WINDOW_SECONDS * 1000);
}

export async function countPresent(db: Db, roomId: string, exceptUserId?: string): Promise<number> {
  return db.membership.count({
    where: {
      roomId,
      leftAt: null,
      seenAt: { gt: presentSince() },
      ...(exceptUserId ? { userId: { not: exceptUserId } } : {}),
    },
  });
}
