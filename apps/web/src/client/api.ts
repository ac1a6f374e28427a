import type { ErrorCode, WireError } from '@holocall/protocol';
import type { GetSessionResponse, SessionUser } from '@/server/auth/create-session.types';
import type { AvatarSourceResponse, AvatarView, EnrollResponse } from '@/server/enrollment/enroll.types';
import type { CreateRoomResponse } from '@/server/rooms/create-room.types';
import type { JoinRoomResponse } from '@/server/rooms/join-room.types';
import type { RoomView } from '@/server/rooms/room.types';

/** An error answered by the web app, with its code from the shared vocabulary. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const error = (data as { error?: WireError }).error;
    throw new ApiError(
      response.status,
      error?.code ?? 'internal',
      error?.message ?? response.statusText,
      error?.details,
    );
  }
  return data as T;
}

export const api = {
  session: () => request<GetSessionResponse>('GET', '/api/session'),
  signIn: (displayName: string) => request<{ user: SessionUser }>('POST', '/api/session', { displayName }),
  signOut: () => request<object>('DELETE', '/api/session'),
  myAvatar: () => request<{ avatar: AvatarView | null }>('GET', '/api/avatar'),
  enroll: (form: FormData) => request<EnrollResponse>('POST', '/api/avatar', form),
  avatarSource: (avatarId: string) =>
    request<AvatarSourceResponse>('GET', `/api/avatars/${encodeURIComponent(avatarId)}`),
  inferenceToken: () => request<{ url: string; token: string; expiresAt: string }>('GET', '/api/inference-token'),
  createRoom: (name: string, maxPeers: number) => request<CreateRoomResponse>('POST', '/api/rooms', { name, maxPeers }),
  room: (slug: string) => request<{ room: RoomView }>('GET', `/api/rooms/${encodeURIComponent(slug)}`),
  join: (slug: string) => request<JoinRoomResponse>('POST', `/api/rooms/${encodeURIComponent(slug)}/join`),
  presence: (slug: string) => request<object>('POST', `/api/rooms/${encodeURIComponent(slug)}/presence`),
  leave: (slug: string) => request<object>('POST', `/api/rooms/${encodeURIComponent(slug)}/leave`),
  /** For pagehide: a beacon survives the page closing; fetch may not. */
  leaveBeacon: (slug: string) => navigator.sendBeacon(`/api/rooms/${encodeURIComponent(slug)}/leave`),
};

export type { AvatarSourceResponse, AvatarView, JoinRoomResponse, RoomView, SessionUser };
