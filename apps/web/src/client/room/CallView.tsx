'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type JoinRoomResponse } from '../api';
import { CallSession } from '../call/call-session';
import { CallStats } from '../call/call-stats';
import { DriverCapture } from '../call/driver-capture';
import { QUILT_PRESETS } from '../display/quilt-presets';
import { type DisplayMode, type ViewerOffset, viewSpecFor } from '../display/view-spec';
import { connectInferenceNode } from '../inference/connect';
import type { InferenceNode, InferenceStatus, NodeDescription, PeerSource } from '../inference/inference-types';
import { TrackerClient } from '../tracker/tracker-client';
import { HoloPanel, type HoloSettings } from './HoloPanel';
import type { LobbyChoice } from './Lobby';
import { PeerTile } from './PeerTile';
import { PeerMediaStore } from './peer-media';
import { StatsOverlay } from './StatsOverlay';

const PRESENCE_HEARTBEAT_MS = 30_000;
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
  const [session, setSession] = useState<CallSession | null>(null);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((t) => t + 1), []);
  const [muted, setMuted] = useState(false);
  const [mode, setMode] = useState<DisplayMode>(choice.mode);
  const [parallax, setParallax] = useState(false);
  const [holo, setHolo] = useState<HoloSettings>({ preset: QUILT_PRESETS[0]! });
  const [focusPeerId, setFocusPeerId] = useState<string | null>(null);
  const [inferenceStatus, setInferenceStatus] = useState<InferenceStatus>('connecting');
  const [nodeInfo, setNodeInfo] = useState<NodeDescription | null>(null);
  const [sources, setSources] = useState<Record<string, { source: PeerSource; fraction?: number }>>({});
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [calibrating, setCalibrating] = useState(true);
  const inference = useRef<InferenceNode | null>(null);
  const capture = useRef<DriverCapture | null>(null);
  const viewer = useRef<ViewerOffset>(null);

  // Media, tracker, SFU session, inference node: set up once per call.
  useEffect(() => {
    let closed = false;
    let stream: MediaStream | null = null;
    let tracker: TrackerClient | null = null;
    let call: CallSession | null = null;
    const known = new Set<string>();

    const node = connectInferenceNode(join.inference, {
      onStatus: (status, info) => {
        setInferenceStatus(status);
        setNodeInfo(info);
      },
      onImage: ({ peerId, header, bitmap }) => {
        store.setImage(peerId, bitmap, header);
        stats.frameRendered();
      },
      onPeerSource: (peerId, source, progress) =>
        setSources((s) => ({ ...s, [peerId]: { source, ...(progress ? { fraction: progress.fraction } : {}) } })),
    });
    inference.current = node;

    /** A new peer: their enrolled photo (the fallback tile) and their registration with the node. */
    async function meet(peerId: string, avatarId: string) {
      if (known.has(peerId)) return;
      known.add(peerId);
      try {
        const source = await api.avatarSource(avatarId);
        const photo = await fetch(source.avatar.photoUrl).then((r) => r.blob());
        store.get(peerId).photo = await createImageBitmap(photo);
        // The node asks for the photo only when it has not lifted this avatar before.
        node.registerPeer(peerId, source.avatar.avatarHash, async () => ({
          avatarHash: source.avatar.avatarHash,
          photo: new Uint8Array(await photo.arrayBuffer()),
          width: source.avatar.width,
          height: source.avatar.height,
          landmarks: source.landmarks,
        }));
      } catch {
        known.delete(peerId);
      }
    }

    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: choice.cameraId ? { deviceId: { exact: choice.cameraId } } : { width: 640, height: 480 },
          audio: choice.micId ? { deviceId: { exact: choice.micId } } : true,
        });
      } catch (e) {
        setMediaError(`Camera or microphone unavailable (${(e as Error).message}); others will not see or hear you.`);
      }
      if (closed) return;
      if (stream && selfVideo.current) {
        selfVideo.current.srcObject = stream;
        await selfVideo.current.play().catch(() => {});
      }
      call = new CallSession({
        join,
        rejoin: () => api.join(slug),
        audioTrack: stream?.getAudioTracks()[0] ?? null,
        onChange: () => {
          const present = new Set<string>();
          for (const peer of call?.peers.values() ?? []) {
            present.add(peer.identity.peerId);
            void meet(peer.identity.peerId, peer.identity.avatarId);
          }
          for (const peerId of known) {
            if (present.has(peerId)) continue;
            known.delete(peerId);
            node.unregisterPeer(peerId);
            store.delete(peerId);
          }
          rerender();
        },
        onFrame: (peerId, frame, bytes) => {
          stats.frameReceived(bytes.byteLength, frame.captureTimeMs);
          store.get(peerId).lastFrame = frame;
          node.sendFrame(peerId, bytes);
        },
        log: (msg, fields) => console.debug('[call]', msg, fields ?? {}),
      });
      setSession(call);
      await call.start();
      if (stream?.getVideoTracks()[0] && selfVideo.current) {
        tracker = new TrackerClient({ video: true });
        capture.current = new DriverCapture(selfVideo.current, tracker, {
          send: (bytes) => {
            if (call?.sendDriverFrame(bytes)) stats.frameSent(bytes.byteLength);
          },
          onSample: (sample) => {
            viewer.current = sample ? { x: sample.pose.translation[0], y: sample.pose.translation[1] } : null;
            if (sample) setCalibrating(sample.calibrating);
          },
        });
        capture.current.start();
      }
    })();

    // Presence heartbeat, wire-rate sampling, and a leave beacon if the tab closes.
    const heartbeat = setInterval(() => api.presence(slug).catch(() => {}), PRESENCE_HEARTBEAT_MS);
    let lastBytes: { sent: number; received: number; t: number } | null = null;
    const sampler = setInterval(async () => {
      if (!call) return;
      const bytes = await call.audioBytes().catch(() => null);
      if (!bytes) return;
      const t = performance.now();
      if (lastBytes) {
        const dt = (t - lastBytes.t) / 1000;
        stats.setWireRates(((bytes.sent - lastBytes.sent) * 8) / dt, ((bytes.received - lastBytes.received) * 8) / dt);
      }
      lastBytes = { ...bytes, t };
    }, 1000);
    const onPageHide = () => api.leaveBeacon(slug);
    window.addEventListener('pagehide', onPageHide);

    return () => {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(sampler);
      window.removeEventListener('pagehide', onPageHide);
      capture.current?.stop();
      tracker?.close();
      call?.close();
      node.close();
      for (const t of stream?.getTracks() ?? []) t.stop();
      store.clear();
    };
  }, [join, slug, choice, store, stats, rerender]);

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
        {calibrating && <span className="badge">measuring your neutral face: look ahead, relaxed</span>}
        <button type="button" className="danger" data-testid="leave" onClick={onLeave}>
          Leave
        </button>
      </header>
      {session?.error && (
        <p className="error" role="alert">
          {session.error}
        </p>
      )}
      {mediaError && <p className="error">{mediaError}</p>}
      {inferenceStatus === 'unavailable' && (
        <p className="notice" data-testid="no-inference-notice">
          No inference node is running on this computer (it would listen on {join.inference.url}), so people are shown
          by their enrolled photos. Start HoloCall on this computer (npm start) to see them in 3D.
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
              source={sources[p.identity.peerId]?.source ?? 'pending'}
              liftFraction={sources[p.identity.peerId]?.fraction ?? null}
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
        <StatsOverlay stats={stats} detectMs={detectMs} />
      </aside>
    </main>
  );
}
