'use client';
import { useEffect, useRef, useState } from 'react';
import type { DisplayMode } from '../display/view-spec';

export interface LobbyChoice {
  cameraId: string | null;
  micId: string | null;
  mode: DisplayMode;
}

/** Camera preview and device choice before joining. */
export function Lobby({ onJoin, joining }: { onJoin: (choice: LobbyChoice) => void; joining: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [mics, setMics] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState<string | null>(null);
  const [micId, setMicId] = useState<string | null>(null);
  const [mode, setMode] = useState<DisplayMode>('flat');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let cancelled = false;
    navigator.mediaDevices
      .getUserMedia({ video: cameraId ? { deviceId: { exact: cameraId } } : true, audio: false })
      .then(async (s) => {
        if (cancelled) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        stream = s;
        if (video.current) video.current.srcObject = s;
        // Labels and ids are only listed once a permission was granted.
        const devices = await navigator.mediaDevices.enumerateDevices();
        setCameras(devices.filter((d) => d.kind === 'videoinput'));
        setMics(devices.filter((d) => d.kind === 'audioinput'));
        setError(null);
      })
      .catch((e: Error) => setError(`The camera is not available (${e.message}). You can still join and listen.`));
    return () => {
      cancelled = true;
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  }, [cameraId]);

  return (
    <section className="card lobby" aria-label="Lobby">
      <video ref={video} className="preview mirror" autoPlay playsInline muted data-testid="lobby-preview" />
      {error && <p className="error">{error}</p>}
      <div className="grid2">
        <label htmlFor="camera">Camera</label>
        <select id="camera" value={cameraId ?? ''} onChange={(e) => setCameraId(e.target.value || null)}>
          <option value="">Default</option>
          {cameras.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `Camera ${i + 1}`}
            </option>
          ))}
        </select>
        <label htmlFor="mic">Microphone</label>
        <select id="mic" value={micId ?? ''} onChange={(e) => setMicId(e.target.value || null)}>
          <option value="">Default</option>
          {mics.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
        <label htmlFor="mode">Display</label>
        <select id="mode" value={mode} onChange={(e) => setMode(e.target.value as DisplayMode)}>
          <option value="flat">Flat (a grid of people)</option>
          <option value="holographic">Holographic (Looking Glass quilt)</option>
          <option value="stereo">Side-by-side stereo</option>
        </select>
      </div>
      <button
        type="button"
        disabled={joining}
        onClick={() => onJoin({ cameraId, micId, mode })}
        data-testid="join-call"
      >
        {joining ? 'Joining…' : 'Join call'}
      </button>
    </section>
  );
}
