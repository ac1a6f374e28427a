'use client';
import { useEffect, useRef, useState } from 'react';
import { type Calibration, lenticularUniforms, parseCalibration } from '../display/calibration';
import { LenticularRenderer } from '../display/lenticular-renderer';
import { QUILT_PRESETS, type QuiltPreset } from '../display/quilt-presets';
import { viewSpecFor } from '../display/view-spec';
import type { PeerMediaStore } from './peer-media';

export interface HoloSettings {
  preset: QuiltPreset;
}

/**
 * Holographic mode: the focused peer's quilt as the inference node renders it (view 0
 * bottom-left), and, once a device calibration file is loaded, the lenticular interleave for
 * that device.
 */
export function HoloPanel({
  settings,
  onSettings,
  focusPeerId,
  store,
}: {
  settings: HoloSettings;
  onSettings: (s: HoloSettings) => void;
  focusPeerId: string | null;
  store: PeerMediaStore;
}) {
  const quiltCanvas = useRef<HTMLCanvasElement>(null);
  const lenticularCanvas = useRef<HTMLCanvasElement>(null);
  const [calibration, setCalibration] = useState<Calibration | null>(null);
  const [error, setError] = useState<string | null>(null);
  const preset = settings.preset;

  useEffect(() => {
    let raf = 0;
    let renderer: LenticularRenderer | null = null;
    let drawn: ImageBitmap | null = null;
    const expected = viewSpecFor('holographic', { preset });
    if (expected.kind !== 'quilt') return;
    const draw = () => {
      raf = requestAnimationFrame(draw);
      const c = quiltCanvas.current;
      if (!c || !focusPeerId) return;
      const image = store.get(focusPeerId).image;
      // The node renders the quilt itself (view 0 bottom-left); a frame is drawn once.
      if (!image || image.bitmap === drawn) return;
      // Only quilts of the view asked for: a frame rendered for the previous mode may still
      // arrive (the node labels each frame with the view it was rendered for).
      const { layout, cols, rows } = image.header;
      if (layout !== 'quilt' || cols !== expected.cols || rows !== expected.rows) return;
      drawn = image.bitmap;
      if (c.width !== image.header.width || c.height !== image.header.height) {
        c.width = image.header.width;
        c.height = image.header.height;
      }
      c.getContext('2d')!.drawImage(image.bitmap, 0, 0);
      c.dataset.frames = String(Number(c.dataset.frames ?? 0) + 1);
      if (calibration && lenticularCanvas.current) {
        try {
          renderer ??= new LenticularRenderer(lenticularCanvas.current);
          renderer.draw(c, lenticularUniforms(calibration), image.header);
          lenticularCanvas.current.dataset.frames = String(Number(lenticularCanvas.current.dataset.frames ?? 0) + 1);
        } catch (e) {
          setError((e as Error).message);
          cancelAnimationFrame(raf);
        }
      }
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [focusPeerId, store, calibration, preset]);

  async function loadCalibration(file: File) {
    try {
      setCalibration(parseCalibration(await file.text()));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section className="card holo" data-testid="holo-panel">
      <div className="row">
        <label htmlFor="preset">Device</label>
        <select
          id="preset"
          value={preset.id}
          onChange={(e) => onSettings({ preset: QUILT_PRESETS.find((p) => p.id === e.target.value) ?? preset })}
        >
          {QUILT_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <label htmlFor="cone">View cone {preset.viewConeDeg}°</label>
        <input
          id="cone"
          type="range"
          min={10}
          max={60}
          value={preset.viewConeDeg}
          onChange={(e) => onSettings({ preset: { ...preset, viewConeDeg: Number(e.target.value) } })}
        />
        <label className="button">
          Device calibration…
          <input
            type="file"
            accept="application/json,.json"
            hidden
            data-testid="calibration-input"
            onChange={(e) => e.target.files?.[0] && loadCalibration(e.target.files[0])}
          />
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      <canvas
        ref={quiltCanvas}
        className="quilt"
        width={preset.cols * 64}
        height={preset.rows * 64}
        data-testid="quilt"
      />
      {calibration && (
        <>
          <p>
            Lenticular output for a {calibration.screenW}×{calibration.screenH} screen. Move this window to the Looking
            Glass and make it full screen.
          </p>
          <canvas
            ref={lenticularCanvas}
            className="lenticular"
            width={calibration.screenW}
            height={calibration.screenH}
            data-testid="lenticular"
            onDoubleClick={(e) => e.currentTarget.requestFullscreen()}
          />
        </>
      )}
    </section>
  );
}
