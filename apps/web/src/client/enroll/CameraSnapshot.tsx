'use client';
import { useEffect, useRef, useState } from 'react';

/** A live camera preview and a button that takes one PNG snapshot of it. */
export function CameraSnapshot({ onSnapshot, onCancel }: { onSnapshot: (photo: Blob) => void; onCancel: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let stream: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then((s) => {
        stream = s;
        if (video.current) video.current.srcObject = s;
      })
      .catch((e: Error) => setError(`The camera is not available: ${e.message}`));
    return () => {
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  }, []);

  function snap() {
    const v = video.current;
    if (!v || v.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob((blob) => blob && onSnapshot(blob), 'image/png');
  }

  return (
    <div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : (
        <video ref={video} className="preview" autoPlay playsInline muted onLoadedData={() => setReady(true)} />
      )}
      <div className="row">
        <button type="button" onClick={snap} disabled={!ready} data-testid="take-snapshot">
          Take snapshot
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
