import { api } from '../api';
import type { CallSession } from '../call/call-session';
import type { CallStats } from '../call/call-stats';

const PRESENCE_HEARTBEAT_MS = 30_000;
const WIRE_RATE_SAMPLE_MS = 1000;

/** The room's presence heartbeat, and a leave beacon if the tab closes. Returns the stop. */
export function keepPresence(slug: string): () => void {
  const heartbeat = setInterval(() => api.presence(slug).catch(() => {}), PRESENCE_HEARTBEAT_MS);
  const onPageHide = () => api.leaveBeacon(slug);
  window.addEventListener('pagehide', onPageHide);
  return () => {
    clearInterval(heartbeat);
    window.removeEventListener('pagehide', onPageHide);
  };
}

/**
 * Samples the call's audio byte counters once a second into wire rates (bits per second, sent
 * and received). `currentCall` is read at each tick: the session starts after this does.
 * Returns the stop.
 */
export function sampleWireRates(currentCall: () => CallSession | null, stats: CallStats): () => void {
  let last: { sent: number; received: number; t: number } | null = null;
  const sampler = setInterval(async () => {
    const call = currentCall();
    if (!call) return;
    const bytes = await call.audioBytes().catch(() => null);
    if (!bytes) return;
    const t = performance.now();
    if (last) {
      const dt = (t - last.t) / 1000;
      stats.setWireRates(((bytes.sent - last.sent) * 8) / dt, ((bytes.received - last.received) * 8) / dt);
    }
    last = { ...bytes, t };
  }, WIRE_RATE_SAMPLE_MS);
  return () => clearInterval(sampler);
}
