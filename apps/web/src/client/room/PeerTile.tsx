'use client';
import { quiltTileOrigin } from '@holocall/protocol';
import { useEffect, useRef } from 'react';
import type { PeerLink } from '../call/call-session';
import type { DisplayMode } from '../display/view-spec';
import type { InferenceStatus, LiftRetry, PeerSource } from '../inference/inference-types';
import type { RendererKind } from '../page-render/renderer-choice';
import type { PeerMediaStore } from './peer-media';

export interface PeerTileProps {
  peerId: string;
  name: string;
  link: PeerLink;
  inference: InferenceStatus;
  /** Who draws the head: the local node, this page (no node), or nobody (the enrolled photo). */
  renderer: RendererKind;
  source: PeerSource;
  /** 0..1 while the node lifts this peer's photo. */
  liftFraction: number | null;
  /** The node could not lift this peer for now: retrying, or given up. */
  lift: LiftRetry | null;
  mode: DisplayMode;
  store: PeerMediaStore;
  audio: MediaStream | null;
}

/**
 * One peer: their head as the inference node (or, without one, this page) renders it (one view;
 * both eyes side by side in stereo; the centre view of the quilt in holographic mode), or, while
 * nothing renders it, their enrolled photo moved by their head pose, with the reason said plainly.
 */
export function PeerTile({
  peerId,
  name,
  link,
  inference,
  renderer,
  source,
  liftFraction,
  lift,
  mode,
  store,
  audio,
}: PeerTileProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const rendering = renderer !== 'none';
  const audioEl = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    if (audioEl.current) audioEl.current.srcObject = audio;
  }, [audio]);

  useEffect(() => {
    let raf = 0;
    const fit = (
      ctx: CanvasRenderingContext2D,
      img: CanvasImageSource,
      sx: number,
      sy: number,
      sw: number,
      sh: number,
    ) => {
      const c = ctx.canvas;
      const scale = Math.min(c.width / sw, c.height / sh);
      ctx.drawImage(
        img,
        sx,
        sy,
        sw,
        sh,
        (c.width - sw * scale) / 2,
        (c.height - sh * scale) / 2,
        sw * scale,
        sh * scale,
      );
    };
    const draw = () => {
      raf = requestAnimationFrame(draw);
      const ctx = canvas.current?.getContext('2d');
      if (!ctx) return;
      const c = ctx.canvas;
      const media = store.get(peerId);
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, c.width, c.height);
      const image = media.image;
      if (image && rendering) {
        const { bitmap, header } = image;
        if (header.layout === 'quilt' && !(header.cols === 2 && header.rows === 1)) {
          const tw = header.width / header.cols;
          const th = header.height / header.rows;
          const { col, row } = quiltTileOrigin(Math.floor((header.cols * header.rows) / 2), {
            ...header,
            viewConeDeg: 0,
          });
          fit(ctx, bitmap, col * tw, row * th, tw, th);
        } else fit(ctx, bitmap, 0, 0, bitmap.width, bitmap.height);
        c.dataset.showing = 'render';
        return;
      }
      if (media.photo) {
        // The enrolled photo, turned with the sender's head roll and shifted with yaw and pitch: a 2D stand-in, said so below.
        const p = media.photo;
        const pose = media.lastFrame?.pose;
        const scale = Math.min(c.width / p.width, c.height / p.height) * 0.9;
        ctx.save();
        ctx.translate(
          c.width / 2 + (pose ? -pose.rotation[0] * 60 : 0),
          c.height / 2 + (pose ? pose.rotation[1] * 60 : 0),
        );
        ctx.rotate(pose ? -pose.rotation[2] : 0);
        ctx.drawImage(p, (-p.width * scale) / 2, (-p.height * scale) / 2, p.width * scale, p.height * scale);
        ctx.restore();
        c.dataset.showing = 'photo';
      } else c.dataset.showing = 'none';
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [peerId, store, rendering]);

  return (
    <figure
      className="tile"
      data-testid="peer-tile"
      data-peer-name={name}
      data-link={link}
      data-inference={inference}
      data-renderer={renderer}
      data-source={source}
      data-lift={lift?.kind ?? 'none'}
    >
      <canvas ref={canvas} width={mode === 'stereo' ? 960 : 480} height={480} />
      <figcaption>
        <strong>{name}</strong> <span className={`badge ${link}`}>{link}</span>
        {inference === 'unavailable' && (
          <span className="badge warn" data-testid="no-inference">
            {renderer === 'page'
              ? 'no inference node: drawn in this page'
              : 'no inference node: showing the enrolled photo'}
          </span>
        )}
        {inference === 'refused' && renderer !== 'page' && (
          <span className="badge warn" data-testid="inference-refused-tile">
            inference node refused this page: showing the enrolled photo
          </span>
        )}
        {inference === 'reconnecting' && <span className="badge warn">inference node reconnecting</span>}
        {rendering && source === 'lifting' && (
          <span className="badge" data-testid="lifting">
            building {name}'s 3D head{liftFraction === null ? '' : `: ${Math.round(liftFraction * 100)}%`}
          </span>
        )}
        {rendering && source === 'synthetic' && (
          <span className="badge warn" data-testid="stand-in">
            stand-in head, not {name}: the inference node has no 3D avatar for them yet
          </span>
        )}
        {rendering && lift?.kind === 'retrying' && (
          <span className="badge warn" data-testid="lift-retry">
            could not build {name}'s 3D head ({lift.message}); trying again in {Math.ceil(lift.delayMs / 1000)} s (try{' '}
            {lift.attempt} of {lift.maxAttempts})
          </span>
        )}
        {rendering && lift?.kind === 'gave-up' && (
          <span className="badge warn" data-testid="lift-gave-up">
            could not build {name}'s 3D head{lift.attempts > 1 ? ` after ${lift.attempts} tries` : ''}: {lift.message}
          </span>
        )}
      </figcaption>
      {/* biome-ignore lint/a11y/useMediaCaption: live call audio has no captions */}
      <audio ref={audioEl} autoPlay />
    </figure>
  );
}
