import { requireUser } from '@/server/auth/current-user';
import { loadConfig } from '@/server/config';
import { assertSameOrigin, pageOrigin, publicOrigin, sfuUrlFor } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { joinRoom } from '@/server/rooms/join-room.action';

export const dynamic = 'force-dynamic';

/** Join by link: membership, room token for the SFU, token for the local inference node. */
export const POST = route('rooms.join', async (request, { params }: { params: Promise<{ slug: string }> }) => {
  assertSameOrigin(request);
  const user = await requireUser(request);
  const { slug } = await params;
  const config = loadConfig();
  return json(
    await joinRoom(slug, {
      user,
      config,
      origin: publicOrigin(request),
      pageOrigin: pageOrigin(request),
      sfuUrl: sfuUrlFor(request, config.sfuPublicUrl, config.sfuPort),
    }),
  );
});
