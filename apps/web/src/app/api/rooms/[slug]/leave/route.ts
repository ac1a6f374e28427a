import { requireUser } from '@/server/auth/current-user';
import { assertSameOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { leaveRoom } from '@/server/rooms/join-room.action';

export const dynamic = 'force-dynamic';

/** Leave the call (also sent as a beacon when the page closes). */
export const POST = route('rooms.leave', async (request, { params }: { params: Promise<{ slug: string }> }) => {
  assertSameOrigin(request);
  const user = await requireUser(request);
  await leaveRoom((await params).slug, user);
  return json({});
});
