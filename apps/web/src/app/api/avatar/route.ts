import { HolocallError, MAX_ENROLL_BODY_BYTES } from '@holocall/protocol';
import { requireUser } from '@/server/auth/current-user';
import { loadConfig } from '@/server/config';
import { myAvatar } from '@/server/enrollment/avatar-access.action';
import { toAvatarView } from '@/server/enrollment/avatar-view';
import { enroll } from '@/server/enrollment/enroll.action';
import { EnrollFields } from '@/server/enrollment/enroll.types';
import { readBodyCapped } from '@/server/http/body';
import { clientAddress } from '@/server/http/client-address';
import { assertSameOrigin } from '@/server/http/origin';
import { rateLimits } from '@/server/http/rate-limits';
import { json, route } from '@/server/http/respond';

export const dynamic = 'force-dynamic';

export const GET = route('avatar.get', async (request) => {
  const user = await requireUser(request);
  const avatar = await myAvatar(user);
  return json({ avatar: avatar ? toAvatarView(avatar) : null });
});

/**
 * Enroll a photo: multipart/form-data with `photo` (file), optional `crop` (512x512 PNG),
 * `landmarks` (JSON), `displayWidth`, `displayHeight`, optional `camera` (JSON).
 */
export const POST = route('avatar.enroll', async (request) => {
  assertSameOrigin(request);
  const user = await requireUser(request);
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    throw HolocallError.badRequest('expected a multipart/form-data upload');
  }
  // Uploads are counted before their bytes are read: receiving them is the cost.
  const limits = await rateLimits();
  await limits.spend('enrollments_per_account', user.userId);
  await limits.spend('enrollments_per_address', clientAddress(request));
  // The cap applies while the body streams in, before the multipart parser sees it.
  const body = await readBodyCapped(request, MAX_ENROLL_BODY_BYTES, 'upload');
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': type } }).formData();
  } catch {
    throw HolocallError.badRequest('the upload is not valid multipart/form-data');
  }
  const photo = form.get('photo');
  if (!(photo instanceof Blob)) throw HolocallError.badRequest('a `photo` file is required');
  const crop = form.get('crop');
  const fields = EnrollFields.parse({
    landmarks: form.get('landmarks') ?? undefined,
    displayWidth: form.get('displayWidth') ?? undefined,
    displayHeight: form.get('displayHeight') ?? undefined,
    camera: form.get('camera') ?? undefined,
  });
  const result = await enroll(
    {
      photo: new Uint8Array(await photo.arrayBuffer()),
      crop: crop instanceof Blob ? new Uint8Array(await crop.arrayBuffer()) : null,
      fields,
    },
    user,
    loadConfig().dataDir,
  );
  return json(result, 201);
});
