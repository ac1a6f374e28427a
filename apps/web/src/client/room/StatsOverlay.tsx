'use client';
import { useEffect, useState } from 'react';
import type { CallStats, StatsSnapshot } from '../call/call-stats';
import type { RendererKind } from '../page-render/renderer-choice';

const RENDERER_LABEL: Record<RendererKind, string> = {
  node: 'inference node',
  page: 'this page',
  none: 'none (enrolled photos)',
};

/** Who renders, kbps sent and received, frame rates, driver-frame and glass-to-glass latency, refreshed twice a second. */
export function StatsOverlay({
  stats,
  detectMs,
  renderer,
  isolated,
}: {
  stats: CallStats;
  detectMs: () => number;
  renderer: RendererKind;
  /** Whether the page renderer has shared memory (cross-origin isolation); null when it does not run. */
  isolated: boolean | null;
}) {
  const [s, setS] = useState<StatsSnapshot | null>(null);
  const [track, setTrack] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      setS(stats.snapshot());
      setTrack(detectMs());
    }, 500);
    return () => clearInterval(timer);
  }, [stats, detectMs]);
  if (!s) return null;
  return (
    <dl
      className="stats"
      data-testid="stats"
      data-frames-sent={stats.totalFramesSent}
      data-frames-received={stats.totalFramesReceived}
      data-frames-drawn={stats.totalFramesRendered}
      data-glass-p50={s.glassToGlassMs?.p50}
      data-glass-p95={s.glassToGlassMs?.p95}
      data-tracker-ms={track || undefined}
      data-renderer={renderer}
    >
      <dt>rendering</dt>
      <dd data-testid="renderer">
        {RENDERER_LABEL[renderer]}
        {renderer === 'page' && isolated === false ? ' (not cross-origin isolated)' : ''}
        {renderer === 'none' ? '' : ` · ${s.fpsRendered} fps drawn`}
      </dd>
      <dt>sent</dt>
      <dd data-testid="kbps-sent">
        {s.kbpsSent.toFixed(1)} kbps (driver frames {s.kbpsDriverSent.toFixed(1)})
      </dd>
      <dt>received</dt>
      <dd data-testid="kbps-received">
        {s.kbpsReceived.toFixed(1)} kbps (driver frames {s.kbpsDriverReceived.toFixed(1)})
      </dd>
      <dt>frames</dt>
      <dd>
        {s.fpsSent} fps out · {s.fpsReceived} fps in · {s.fpsRendered} fps drawn
      </dd>
      <dt>latency</dt>
      <dd data-testid="latency">{s.latencyMs === null ? '–' : `${Math.round(s.latencyMs)} ms`}</dd>
      <dt>glass to glass</dt>
      <dd data-testid="glass-to-glass">
        {s.glassToGlassMs === null
          ? '–'
          : `${Math.round(s.glassToGlassMs.p50)} ms (p95 ${Math.round(s.glassToGlassMs.p95)})`}
      </dd>
      <dt>tracking</dt>
      <dd>{track ? `${Math.round(track)} ms/frame` : '–'}</dd>
    </dl>
  );
}
