import { requireUser } from '@/server/auth/current-user';
import { avatarImage } from '@/server/enrollment/avatar-access.action';
import { imageResponse } from '@/server/enrollment/image-response';
import { route } from '@/server/http/respond';

export const dynamic = 'force-dynamic';

export const GET = route('avatars.photo', async (request, { params }: { params: Promise<{ id: string }> }) => {
  const user = await requireUser(request);
  return imageResponse(await avatarImage((await params).id, 'photo', user));
});
