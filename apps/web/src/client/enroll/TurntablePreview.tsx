'use client';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { enrollmentEnvelope, openNodeSocket, renderedBitmap } from '../inference/connect';
import type { InferenceStatus } from '../inference/inference-types';
import { NodeNotice } from '../inference/NodeNotice';
import { PageRenderer } from '../page-render/page-renderer';

/** The turntable: this many views, yaw evenly over ±TURNTABLE_YAW_DEG, this many pixels a side. */
export const TURNTABLE_VIEWS = 12;
export const TURNTABLE_YAW_DEG = 30;
export const TURNTABLE_TILE = 192;
/** A preview that has not finished by then is reported as failed (the node may be busy or too old). */
export const PREVIEW_TIMEOUT_MS = 120_000;

type Phase =
  | { kind: 'connecting' }
  | { kind: 'working'; stage: string; fraction: number }
  | { kind: 'done'; lifted: boolean; liftMs: number; inPage: boolean }
  | { kind: 'refused'; message: string }
  /** No node, and this page could not draw the preview itself either. */
  | { kind: 'page-failed'; message: string };

/**
 * "What others will see": the local inference node lifts the enrolled photo (once; it keeps
 * the result for calls) and renders a turntable of views, reporting progress as it goes. The
 * views play back and forth. Without a node the page lifts and renders the same turntable
 * itself (PageRenderer: the node's code, slower) and shows how to start a node; when neither
 * can, it says so plainly.
 */
export function TurntablePreview({ avatarId, avatarHash }: { avatarId: string; avatarHash: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'connecting' });
  const [status, setStatus] = useState<InferenceStatus>('connecting');

  useEffect(() => {
    let closed = false;
    let sprite: ImageBitmap | null = null;
    let raf = 0;
    let socket: ReturnType<typeof openNodeSocket> | null = null;
    let page: PageRenderer | null = null;
    const requestId = `preview-${Math.random().toString(36).slice(2, 10)}`;

    /** No node: the same preview, lifted and rendered in this page (once). */
    async function previewInPage() {
      if (page || sprite || closed) return;
      const renderer = new PageRenderer({ onImage: () => {}, onPeerSource: () => {}, onReady: () => {} });
      page = renderer;
      setPhase({ kind: 'working', stage: 'starting in this page', fraction: 0 });
      try {
        const source = await api.avatarSource(avatarId);
        const photo = new Uint8Array(await (await fetch(source.avatar.photoUrl)).arrayBuffer());
        const result = await renderer.preview(
          { avatarHash, photo, width: source.avatar.width, height: source.avatar.height, landmarks: source.landmarks },
          { views: TURNTABLE_VIEWS, maxYawDeg: TURNTABLE_YAW_DEG, tileSize: TURNTABLE_TILE },
          (stage, fraction) => {
            if (!sprite) setPhase({ kind: 'working', stage: `${stage} in this page`, fraction });
          },
        );
        if (closed || sprite) return void result.sprite.close();
        sprite = result.sprite;
        setPhase({ kind: 'done', lifted: result.lifted, liftMs: result.liftMs, inPage: true });
      } catch (error) {
        if (!sprite) setPhase({ kind: 'page-failed', message: (error as Error).message });
      } finally {
        // The page keeps nothing of it: a call lifts again in its own renderer if it needs to.
        renderer.close();
      }
    }

    async function sendPhoto() {
      const source = await api.avatarSource(avatarId);
      const photo = new Uint8Array(await (await fetch(source.avatar.photoUrl)).arrayBuffer());
      const envelope = await enrollmentEnvelope('preview', requestId, {
        avatarHash,
        photo,
        width: source.avatar.width,
        height: source.avatar.height,
        landmarks: source.landmarks,
      });
      socket?.sendBinary(envelope);
    }

    api.inferenceToken().then(
      (target) => {
        if (closed) return;
        socket = openNodeSocket(target, {
          onStatus: (s) => {
            setStatus(s);
            if (s === 'unavailable' || s === 'refused') void previewInPage();
            if (s !== 'ready' || sprite) return;
            setPhase({ kind: 'working', stage: 'queued', fraction: 0 });
            socket?.send({
              type: 'preview-avatar',
              requestId,
              avatarHash,
              views: TURNTABLE_VIEWS,
              maxYawDeg: TURNTABLE_YAW_DEG,
              tileSize: TURNTABLE_TILE,
              format: 'png',
            });
          },
          onMessage: (m) => {
            if (m.type === 'preview-started' && m.requestId === requestId && m.awaitingImage) {
              sendPhoto().catch((e: Error) => setPhase({ kind: 'refused', message: e.message }));
            } else if (m.type === 'preview-progress' && m.requestId === requestId) {
              setPhase({ kind: 'working', stage: m.stage, fraction: m.fraction });
            } else if (m.type === 'preview-done' && m.requestId === requestId) {
              setPhase({ kind: 'done', lifted: m.lifted, liftMs: m.liftMs, inPage: false });
            } else if (m.type === 'error') {
              // This socket carries the preview only: any error is the preview's.
              setPhase({ kind: 'refused', message: m.message });
            }
          },
          onBinary: (bytes) => {
            renderedBitmap(bytes).then(
              ({ header, bitmap }) => {
                if (header.peerId !== requestId) return void bitmap.close();
                sprite?.close();
                sprite = bitmap;
              },
              () => {},
            );
          },
        });
      },
      () => void previewInPage(),
    );

    const timeout = setTimeout(
      () =>
        setPhase((p) =>
          p.kind === 'working'
            ? { kind: 'refused', message: 'no answer in time (is the node busy, or older than this page?)' }
            : p,
        ),
      PREVIEW_TIMEOUT_MS,
    );
    const start = performance.now();
    const spin = () => {
      raf = requestAnimationFrame(spin);
      const ctx = canvas.current?.getContext('2d');
      if (!ctx || !sprite) return;
      const phaseT = ((performance.now() - start) / 3000) % 2;
      const t = phaseT < 1 ? phaseT : 2 - phaseT;
      const view = Math.min(TURNTABLE_VIEWS - 1, Math.floor(t * TURNTABLE_VIEWS));
      const tw = sprite.width / TURNTABLE_VIEWS;
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      ctx.drawImage(sprite, view * tw, 0, tw, sprite.height, 0, 0, ctx.canvas.width, ctx.canvas.height);
      ctx.canvas.dataset.showing = 'turntable';
    };
    raf = requestAnimationFrame(spin);
    return () => {
      closed = true;
      clearTimeout(timeout);
      cancelAnimationFrame(raf);
      socket?.close();
      page?.close();
      sprite?.close();
    };
  }, [avatarId, avatarHash]);

  let message: string;
  switch (phase.kind) {
    case 'connecting':
      message = 'Connecting to the inference node on this computer…';
      break;
    case 'working':
      message = `Building your 3D head: ${phase.stage} (${Math.round(phase.fraction * 100)}%)`;
      break;
    case 'done':
      message = phase.lifted
        ? `What others will see (built in ${(phase.liftMs / 1000).toFixed(1)} s${phase.inPage ? ' in this page' : ''}).`
        : 'What others will see.';
      break;
    case 'page-failed':
      message = `No inference node is running on this computer, and this page could not build the 3D preview itself: ${phase.message}`;
      break;
    case 'refused':
      message = `The inference node could not build a 3D preview: ${phase.message}`;
      break;
  }

  return (
    <div
      className="turntable"
      data-testid="turntable"
      data-avatar-id={avatarId}
      data-status={status}
      data-phase={phase.kind}
      data-renderer={phase.kind === 'done' ? (phase.inPage ? 'page' : 'node') : undefined}
    >
      <canvas ref={canvas} width={TURNTABLE_TILE} height={TURNTABLE_TILE} hidden={phase.kind !== 'done'} />
      {phase.kind === 'working' && <progress max={1} value={phase.fraction} />}
      <p className="status">{message}</p>
      {(phase.kind !== 'done' || phase.inPage) && (
        <NodeNotice status={status} without="this page builds the preview itself (slower)" />
      )}
    </div>
  );
}
