'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JoinRoomResponse } from '../api';
import { CallStats } from '../call/call-stats';
import type { DriverCapture } from '../call/driver-capture';
import { QUILT_PRESETS } from '../display/quilt-presets';
import { type DisplayMode, type ViewerOffset, viewSpecFor } from '../display/view-spec';
import type { InferenceNode } from '../inference/inference-types';
import { NodeNotice } from '../inference/NodeNotice';
import { HoloPanel, type HoloSettings } from './HoloPanel';
import type { LobbyChoice } from './Lobby';
import { PeerTile } from './PeerTile';
import { PeerMediaStore } from './peer-media';
import { StatsOverlay } from './StatsOverlay';
import { useCallSession } from './use-call-session';

/** Motion parallax changes the view at most this often (each change is a message to the node). */
const PARALLAX_UPDATE_MS = 100;

export function CallView({
  slug,
  join,
  choice,
  onLeave,
}: {
  slug: string;
  join: JoinRoomResponse;
  choice: LobbyChoice;
  onLeave: () => void;
}) {
  const selfVideo = useRef<HTMLVideoElement>(null);
  const store = useMemo(() => new PeerMediaStore(), []);
  const stats = useMemo(() => new CallStats(), []);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((t) => t + 1), []);
  const [muted, setMuted] = useState(false);
  const [mode, setMode] = useState<DisplayMode>(choice.mode);
  const [parallax, setParallax] = useState(false);
  const [holo, setHolo] = useState<HoloSettings>({ preset: QUILT_PRESETS[0]! });
  const [focusPeerId, setFocusPeerId] = useState<string | null>(null);
  const inference = useRef<InferenceNode | null>(null);
  const capture = useRef<DriverCapture | null>(null);
  const viewer = useRef<ViewerOffset>(null);
  const {
    session,
    inferenceStatus,
    nodeInfo,
    sources,
    renderer,
    pageInfo,
    pageError,
    mediaError,
    calibrating,
    faceLost,
    trackerError,
  } = useCallSession({
    slug,
    join,
    choice,
    store,
    stats,
    rerender,
    selfVideo,
    inference,
    capture,
    viewer,
  });

  // The view the node renders: set on mode changes, and (with parallax) as the viewer moves.
  useEffect(() => {
    const apply = () =>
      inference.current?.setView(viewSpecFor(mode, { viewer: parallax ? viewer.current : null, preset: holo.preset }));
    apply();
    if (mode !== 'flat' || !parallax) return;
    const timer = setInterval(apply, PARALLAX_UPDATE_MS);
    return () => clearInterval(timer);
  }, [mode, parallax, holo]);

  const detectMs = useCallback(() => capture.current?.lastDetectMs ?? 0, []);
  const peers = session ? [...session.peers.values()] : [];
  const firstPeer = peers[0]?.identity.peerId ?? null;
  useEffect(() => {
    if (!focusPeerId && firstPeer) setFocusPeerId(firstPeer);
  }, [focusPeerId, firstPeer]);

  return (
    <main className="call" data-testid="call" data-state={session?.state ?? 'connecting'}>
      <header className="call-bar">
        <strong>{join.room.name}</strong>
        <span className={`badge ${session?.state ?? 'connecting'}`} data-testid="call-state">
          {session?.state ?? 'connecting'}
        </span>
        <span className={`badge ${inferenceStatus}`} data-testid="inference-status">
          inference: {inferenceStatus === 'unavailable' ? 'no local inference node' : inferenceStatus}
        </span>
        <select
          aria-label="Display mode"
          data-testid="mode"
          value={mode}
          onChange={(e) => setMode(e.target.value as DisplayMode)}
        >
          <option value="flat">Flat</option>
          <option value="holographic">Holographic</option>
          <option value="stereo">Stereo (side by side)</option>
        </select>
        {mode === 'flat' && (
          <label>
            <input type="checkbox" checked={parallax} onChange={(e) => setParallax(e.target.checked)} /> motion parallax
          </label>
        )}
        <button
          type="button"
          data-testid="mute"
          aria-pressed={muted}
          onClick={() => {
            setMuted(!muted);
            session?.setMuted(!muted);
          }}
        >
          {muted ? 'Unmute' : 'Mute'}
        </button>
        {calibrating && !faceLost && !trackerError && (
          <span className="badge">measuring your neutral face: look ahead, relaxed</span>
        )}
        {faceLost && !trackerError && (
          <span className="badge warn" data-testid="face-lost" role="status">
            your face is not in view: the others see your last expression until it is
          </span>
        )}
        {trackerError && (
          <span className="badge warn" data-testid="tracker-failed" role="alert">
            face tracking did not start ({trackerError}): the others see your head still
          </span>
        )}
        <button type="button" className="danger" data-testid="leave" onClick={onLeave}>
          Leave
        </button>
      </header>
      {session?.state === 'reconnecting' && session.recovery && (
        <p className="notice" data-testid="call-reconnecting">
          Reconnecting to the call
          {session.recovery.attempt > 0
            ? ` (try ${session.recovery.attempt + 1} of ${session.recovery.maxAttempts + 1}; last: ${session.recovery.lastError ?? 'no answer'})`
            : ''}
          …
        </p>
      )}
      {session?.error && session.state !== 'reconnecting' && (
        <p className="error" role="alert">
          {session.error}
        </p>
      )}
      {session?.state === 'failed' && (
        <p className="notice">
          <button type="button" data-testid="retry" onClick={() => session.retry()}>
            Retry
          </button>{' '}
          The call could not be brought back after several tries.
        </p>
      )}
      {mediaError && <p className="error">{mediaError}</p>}
      {inferenceStatus === 'refused' && (
        <p className="notice" data-testid="inference-refused">
          The inference node on this computer refused this page's credentials and no fresh ones could be had (are you
          still signed in?), so people are shown by their enrolled photos. Reload the page to try again.
        </p>
      )}
      <NodeNotice
        status={inferenceStatus}
        without={
          renderer === 'page'
            ? 'this page draws the 3D heads itself (slower; flat and stereo only)'
            : 'people are shown by their enrolled photos'
        }
      />
      {pageError && renderer === 'none' && (
        <p className="notice" data-testid="page-renderer-failed">
          This page could not draw the 3D heads itself ({pageError}), so people are shown by their enrolled photos.
        </p>
      )}
      {renderer === 'page' && (
        <p className="muted" data-testid="page-renderer-info">
          Rendering in this page: the node's renderer on one thread of this tab
          {pageInfo && !pageInfo.sharedMemory
            ? ' (the page is not cross-origin isolated: it copies instead of sharing)'
            : ''}
          ; a node on this computer renders faster and draws holographic quilts.
          {mode === 'holographic' ? ' A holographic quilt needs the node: the display shows the centre view.' : ''}
        </p>
      )}
      {nodeInfo && (
        <p className="muted" data-testid="node-info">
          Rendering on this computer: {nodeInfo.renderer} on {nodeInfo.executionProvider}; expression:{' '}
          {nodeInfo.backendLabel ?? nodeInfo.reenact}
          {nodeInfo.untrained ? ' (generated weights: not a trained model)' : ''}.
        </p>
      )}
      <section className={`grid ${mode}`} data-testid="peers">
        {peers.length === 0 && <p data-testid="alone">Nobody else is here yet. Share the link: {join.room.link}</p>}
        {peers.map((p) => (
          <button
            type="button"
            key={p.identity.peerId}
            className="tile-button"
            onClick={() => setFocusPeerId(p.identity.peerId)}
          >
            <PeerTile
              peerId={p.identity.peerId}
              name={p.identity.displayName ?? 'Someone'}
              link={p.link}
              inference={inferenceStatus}
              renderer={renderer}
              source={sources[p.identity.peerId]?.source ?? 'pending'}
              liftFraction={sources[p.identity.peerId]?.fraction ?? null}
              lift={sources[p.identity.peerId]?.lift ?? null}
              mode={mode}
              store={store}
              audio={p.audio}
            />
          </button>
        ))}
      </section>
      {mode === 'holographic' && (
        <HoloPanel settings={holo} onSettings={setHolo} focusPeerId={focusPeerId} store={store} />
      )}
      <aside className="self">
        <video ref={selfVideo} className="mirror" autoPlay playsInline muted data-testid="self-video" />
        <StatsOverlay
          stats={stats}
          detectMs={detectMs}
          renderer={renderer}
          isolated={renderer === 'page' ? (pageInfo?.sharedMemory ?? null) : null}
        />
      </aside>
    </main>
  );
}
