'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useState } from 'react';
import { type AvatarView, api } from '../api';
import { SignInForm } from '../components/SignInForm';
import { useSession } from '../use-session';

export function HomeView() {
  const { user, refresh } = useSession();
  const router = useRouter();
  const [avatar, setAvatar] = useState<AvatarView | null | undefined>(undefined);
  const [roomName, setRoomName] = useState('');
  const [maxPeers, setMaxPeers] = useState(8);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (user)
      api.myAvatar().then(
        (r) => setAvatar(r.avatar),
        () => setAvatar(null),
      );
  }, [user]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const { room } = await api.createRoom(roomName, maxPeers);
      router.push(`/r/${room.slug}`);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <main className="page">
      <h1>HoloCall</h1>
      <p className="lead">
        3D avatar calls: your face drives your enrolled photo, in 3D, for everyone else. No video is sent.
      </p>
      {user === undefined && <p>Loading…</p>}
      {user === null && <SignInForm onSignedIn={refresh} />}
      {user && (
        <>
          <section className="card">
            <p>
              Signed in as <strong data-testid="display-name">{user.displayName}</strong>.{' '}
              <button
                type="button"
                className="link"
                onClick={async () => {
                  await api.signOut();
                  await refresh();
                }}
              >
                Sign out
              </button>
            </p>
            {avatar === null && (
              <p>
                You have no avatar yet. <Link href="/enroll">Enroll a photo</Link> before joining a call.
              </p>
            )}
            {avatar && (
              <div className="row">
                {/* biome-ignore lint/performance/noImgElement: an authenticated API image, not a static asset */}
                <img className="thumb" src={avatar.photoUrl} alt="You, as enrolled" />
                <Link href="/enroll">Re-enroll</Link>
              </div>
            )}
          </section>
          <form className="card" onSubmit={create} aria-label="Create a room">
            <h2>New room</h2>
            <label htmlFor="room-name">Room name</label>
            <input
              id="room-name"
              value={roomName}
              maxLength={80}
              required
              onChange={(e) => setRoomName(e.target.value)}
            />
            <label htmlFor="max-peers">Up to</label>
            <select id="max-peers" value={maxPeers} onChange={(e) => setMaxPeers(Number(e.target.value))}>
              {[2, 4, 8, 16, 32].map((n) => (
                <option key={n} value={n}>
                  {n} people
                </option>
              ))}
            </select>
            <button type="submit" disabled={roomName.trim() === ''}>
              Create room
            </button>
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
          </form>
        </>
      )}
    </main>
  );
}
