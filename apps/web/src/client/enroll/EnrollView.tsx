'use client';
import { TrackerClient, trackingOptions } from '@holocall/face/browser/tracker-client';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useRef, useState } from 'react';
import { type AvatarView, api } from '../api';
import { SignInForm } from '../components/SignInForm';
import { TRACKER_ASSETS } from '../face/tracker-assets';
import { safeNextPath } from '../next-path';
import { useSession } from '../use-session';
import { CameraSnapshot } from './CameraSnapshot';
import { type EnrollStep, enrollPhoto } from './enroll-flow';
import { PhotoDrop } from './PhotoDrop';
import { TurntablePreview } from './TurntablePreview';

function EnrollInner() {
  const { user, refresh } = useSession();
  const router = useRouter();
  const next = safeNextPath(useSearchParams().get('next'));
  const tracker = useRef<TrackerClient | null>(null);
  const [step, setStep] = useState<EnrollStep | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [avatar, setAvatar] = useState<AvatarView | null>(null);
  const [useCamera, setUseCamera] = useState(false);

  useEffect(() => {
    if (!user) return;
    api.myAvatar().then(
      (r) => setAvatar(r.avatar),
      () => {},
    );
    tracker.current = TrackerClient.spawn(trackingOptions('still', TRACKER_ASSETS));
    return () => tracker.current?.close();
  }, [user]);

  async function handle(photo: Blob) {
    if (!tracker.current) return;
    setError(null);
    setUseCamera(false);
    try {
      const result = await enrollPhoto(photo, tracker.current, setStep);
      setAvatar(result.avatar);
      setStep({ stage: 'done' });
    } catch (e) {
      setError((e as Error).message);
      setStep(null);
    }
  }

  if (user === undefined) return <main className="page">Loading…</main>;
  if (user === null) {
    return (
      <main className="page">
        <h1>Enroll your photo</h1>
        <SignInForm onSignedIn={refresh} />
      </main>
    );
  }
  const busy = step !== null && step.stage !== 'done';
  return (
    <main className="page">
      <h1>Enroll your photo</h1>
      <p className="lead">
        One photo of you, facing the camera, alone in the picture. Others in a call see a 3D head made from it, driven
        by your face. Face detection runs here in your browser; the server checks what it is sent.
      </p>
      {!busy && (
        <div className="card">
          {useCamera ? (
            <CameraSnapshot onSnapshot={handle} onCancel={() => setUseCamera(false)} />
          ) : (
            <>
              <PhotoDrop onPhoto={handle} />
              <button type="button" onClick={() => setUseCamera(true)}>
                Take a snapshot with the camera
              </button>
            </>
          )}
        </div>
      )}
      {step && (
        <p className="status" role="status" data-testid="enroll-status">
          {step.stage === 'checking' && 'Checking the photo…'}
          {step.stage === 'detecting' && 'Looking for your face…'}
          {step.stage === 'uploading' && 'Uploading…'}
          {step.stage === 'done' && 'Enrolled.'}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="enroll-error">
          {error}
        </p>
      )}
      {avatar && (
        <section className="card" data-testid="enrolled-avatar" data-avatar-id={avatar.avatarId}>
          <h2>Your avatar</h2>
          <div className="row">
            {/* biome-ignore lint/performance/noImgElement: an authenticated API image */}
            <img className="thumb" src={avatar.photoUrl} alt="You, as enrolled" />
            {avatar.cropUrl && (
              // biome-ignore lint/performance/noImgElement: an authenticated API image
              <img className="thumb" src={avatar.cropUrl} alt="Aligned crop" data-testid="aligned-crop" />
            )}
          </div>
          <TurntablePreview avatarId={avatar.avatarId} avatarHash={avatar.avatarHash} />
          {next ? (
            <button type="button" onClick={() => router.push(next)}>
              Continue to the room
            </button>
          ) : (
            <Link href="/">Back to the start page</Link>
          )}
        </section>
      )}
    </main>
  );
}

export function EnrollView() {
  return (
    <Suspense fallback={<main className="page">Loading…</main>}>
      <EnrollInner />
    </Suspense>
  );
}
