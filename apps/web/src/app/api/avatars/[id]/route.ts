import { requireUser } from '@/server/auth/current-user';
import { avatarSource } from '@/server/enrollment/avatar-access.action';
import { json, route } from '@/server/http/respond';

export const dynamic = 'force-dynamic';

/** A room peer's avatar: what the viewer's inference node needs to lift it (landmarks, camera, image URLs). */
export const GET = route('avatars.get', async (request, { params }: { params: Promise<{ id: string }> }) => {
  const user = await requireUser(request);
  return json(await avatarSource((await params).id, user));
});
