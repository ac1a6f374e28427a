import { database } from '@/server/db';
import { json, route } from '@/server/http/respond';

export const dynamic = 'force-dynamic';

/** Liveness and database reachability (used by the serve script and the e2e setup). */
export const GET = route('health', async () => {
  const db = await database();
  await db.prisma.$queryRaw`SELECT 1`;
  return json({ ok: true, store: db.kind });
});
