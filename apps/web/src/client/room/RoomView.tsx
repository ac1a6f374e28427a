'use client';
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, type AvatarView, api, type JoinRoomResponse, type RoomView as Room } from '../api';
import { SignInForm } from '../components/SignInForm';
import { useSession } from '../use-session';
import { CallView } from './CallView';
import { Lobby, type LobbyChoice } from './Lobby';

type Phase =
  | { kind: 'loading' }
  | { kind: 'lobby' }
  | { kind: 'joining' }
  | { kind: 'call'; join: JoinRoomResponse; choice: LobbyChoice }
  | { kind: 'left' };

/** /r/<slug>: sign in if needed, enroll if needed, the lobby, then the call. */
export function RoomView({ slug }: { slug: string }) {
  const { user, refresh } = useSession();
  const [room, setRoom] = useState<Room | null>(null);
  const [avatar, setAvatar] = useState<AvatarView | null | undefined>(undefined);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!user) return;
    Promise.all([api.room(slug), api.myAvatar()])
      .then(([r, a]) => {
        setRoom(r.room);
        setAvatar(a.avatar);
        setPhase({ kind: 'lobby' });
      })
      .catch((e: Error) =>
        setError(e instanceof ApiError && e.status === 404 ? 'There is no room at this link.' : e.message),
      );
  }, [user, slug]);

  const join = useCallback(
    async (choice: LobbyChoice) => {
      setError(null);
      setPhase({ kind: 'joining' });
      try {
        const joined = await api.join(slug);
        setPhase({ kind: 'call', join: joined, choice });
      } catch (e) {
        setError((e as Error).message);
        setPhase({ kind: 'lobby' });
      }
    },
    [slug],
  );

  const leave = useCallback(async () => {
    await api.leave(slug).catch(() => {});
    setPhase({ kind: 'left' });
  }, [slug]);

  if (user === undefined) return <main className="page">Loading…</main>;
  if (user === null) {
    return (
      <main className="page">
        <h1>Join a call</h1>
        <SignInForm onSignedIn={refresh} />
      </main>
    );
  }
  if (error && !room) {
    return (
      <main className="page">
        <p className="error" role="alert">
          {error}
        </p>
        <Link href="/">Start page</Link>
      </main>
    );
  }
  if (!room || avatar === undefined || phase.kind === 'loading') return <main className="page">Loading…</main>;
  if (avatar === null) {
    return (
      <main className="page">
        <h1>{room.name}</h1>
        <p>
          Enroll a photo before joining: others see a 3D head made from it.{' '}
          <Link href={`/enroll?next=${encodeURIComponent(`/r/${slug}`)}`} data-testid="enroll-link">
            Enroll a photo
          </Link>
        </p>
      </main>
    );
  }
  if (phase.kind === 'call') {
    return <CallView slug={slug} join={phase.join} choice={phase.choice} onLeave={leave} />;
  }
  if (phase.kind === 'left') {
    return (
      <main className="page">
        <h1>{room.name}</h1>
        <p data-testid="left">You left the call.</p>
        <button type="button" onClick={() => setPhase({ kind: 'lobby' })}>
          Rejoin
        </button>{' '}
        <Link href="/">Start page</Link>
      </main>
    );
  }
  return (
    <main className="page">
      <h1 data-testid="room-name">{room.name}</h1>
      <p>
        Share this link to invite people:{' '}
        <input
          className="link-box"
          readOnly
          value={room.link}
          data-testid="room-link"
          onFocus={(e) => e.target.select()}
        />
      </p>
      <p>
        {room.presentCount} of {room.maxPeers} in the call now.
      </p>
      <Lobby onJoin={join} joining={phase.kind === 'joining'} />
      {error && (
        <p className="error" role="alert" data-testid="join-error">
          {error}
        </p>
      )}
    </main>
  );
}
