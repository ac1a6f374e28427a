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

/** Present in a room now: a membership not left and refreshed within the presence window. */
function presentNow(since: Date) {
  return { leftAt: null, seenAt: { gt: since } };
}

/**
 * True when `a` and `b` are both present in one room now (a call they share). What lets one
 * see the other's photo: a member who left, or whose page stopped reporting, no longer counts.
 */
export async function sharePresentRoom(db: Db, a: string, b: string, now = Date.now()): Promise<boolean> {
  const since = presentSince(now);
  const shared = await db.membership.count({
    where: { userId: a, ...presentNow(since), room: { memberships: { some: { userId: b, ...presentNow(since) } } } },
  });
  return shared > 0;
}
