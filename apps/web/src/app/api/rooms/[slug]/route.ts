import { requireUser } from '@/server/auth/current-user';
import { publicOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { getRoom } from '@/server/rooms/get-room.action';

export const dynamic = 'force-dynamic';

export const GET = route('rooms.get', async (request, { params }: { params: Promise<{ slug: string }> }) => {
  const user = await requireUser(request);
  const { slug } = await params;
  return json({ room: await getRoom(slug, user, publicOrigin(request)) });
});
