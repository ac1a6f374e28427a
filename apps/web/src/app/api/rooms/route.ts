import { requireUser } from '@/server/auth/current-user';
import { readJson } from '@/server/http/body';
import { clientAddress } from '@/server/http/client-address';
import { assertSameOrigin, publicOrigin } from '@/server/http/origin';
import { json, route } from '@/server/http/respond';
import { createRoom } from '@/server/rooms/create-room.action';
import { CreateRoomRequest } from '@/server/rooms/create-room.types';

export const dynamic = 'force-dynamic';

/** Create a room; the response carries its shareable link. */
export const POST = route('rooms.create', async (request) => {
  assertSameOrigin(request);
  const user = await requireUser(request);
  const input = await readJson(request, CreateRoomRequest);
  return json(await createRoom(input, user, publicOrigin(request), clientAddress(request)), 201);
});
