import { requireUser } from '@/server/auth/current-user';
import { assertSameOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { touchPresence } from '@/server/rooms/join-room.action';

export const dynamic = 'force-dynamic';

/** The call page's heartbeat (every PRESENCE_HEARTBEAT_SECONDS). */
export const POST = route('rooms.presence', async (request, { params }: { params: Promise<{ slug: string }> }) => {
  assertSameOrigin(request);
  const user = await requireUser(request);
  await touchPresence((await params).slug, user);
  return json({});
});
