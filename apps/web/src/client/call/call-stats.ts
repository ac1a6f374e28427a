/**
 * What the stats overlay shows, measured over a sliding one-second window: data sent and
 * received (driver frames + audio), frame rates, and driver-frame latency (receive time minus
 * the sender's capture time: one-way on one machine, skewed by the clock difference across machines).
 */
export interface StatsSnapshot {
  /** Everything on the wire: audio, driver frames and transport overhead. */
  kbpsSent: number;
  kbpsReceived: number;
  /** Driver-frame payload alone. */
  kbpsDriverSent: number;
  kbpsDriverReceived: number;
  fpsSent: number;
  fpsReceived: number;
  /** Median latency of driver frames received in the window, ms; null when none. */
  latencyMs: number | null;
  /** Inference node render rate (frames drawn per second). */
  fpsRendered: number;
  /**
   * Glass to glass over the last GLASS_SAMPLES rendered frames of the layout on screen now
   * (flat or quilt: a quilt takes far longer, and a mode switch starts the count afresh): the
   * time a rendered head arrives here minus the capture time of the sender's camera frame it
   * shows (the sender's tracker, the SFU hop and this computer's node included; clocks skewed
   * across machines as above).
   */
  glassToGlassMs: { p50: number; p95: number } | null;
}

/** Rendered frames the glass-to-glass percentiles are taken over (about 20 s at 30 fps). */
export const GLASS_SAMPLES = 600;

const WINDOW_MS = 1000;

class Window {
  private events: { t: number; v: number }[] = [];
  add(v: number, t = performance.now()): void {
    this.events.push({ t, v });
    this.trim(t);
  }
  private trim(now: number): void {
    while (this.events.length > 0 && this.events[0]!.t < now - WINDOW_MS) this.events.shift();
  }
  sum(now = performance.now()): number {
    this.trim(now);
    return this.events.reduce((s, e) => s + e.v, 0);
  }
  count(now = performance.now()): number {
    this.trim(now);
    return this.events.length;
  }
  median(now = performance.now()): number | null {
    this.trim(now);
    if (this.events.length === 0) return null;
    const sorted = this.events.map((e) => e.v).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }
}

/** The last `capacity` values, for percentiles. */
class Recent {
  private readonly values: number[] = [];
  constructor(private readonly capacity: number) {}
  add(v: number): void {
    this.values.push(v);
    if (this.values.length > this.capacity) this.values.shift();
  }
  clear(): void {
    this.values.length = 0;
  }
  percentiles(): { p50: number; p95: number } | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p95: at(0.95) };
  }
}

export class CallStats {
  private readonly sent = new Window();
  private readonly received = new Window();
  private readonly latency = new Window();
  private readonly rendered = new Window();
  private readonly glass = new Recent(GLASS_SAMPLES);
  /** The layout the glass samples are of. */
  private glassLayout: string | null = null;
  /** Bits per second on the wire (both transports: audio, driver frames, DTLS/SCTP/RTP overhead), sampled from getStats. */
  private wireSentBps: number | null = null;
  private wireReceivedBps: number | null = null;
  totalFramesSent = 0;
  totalFramesReceived = 0;

  frameSent(bytes: number): void {
    this.totalFramesSent++;
    this.sent.add(bytes);
  }

  frameReceived(bytes: number, captureTimeMs: number): void {
    this.totalFramesReceived++;
    this.received.add(bytes);
    this.latency.add(Date.now() - captureTimeMs);
  }

  totalFramesRendered = 0;

  /**
   * A rendered head arrived; `captureTimeMs` is the capture time of the driver frame it was
   * rendered from, `layout` the frame's (a new layout starts the glass-to-glass count afresh).
   */
  frameRendered(captureTimeMs?: number, layout?: string): void {
    this.totalFramesRendered++;
    this.rendered.add(1);
    if (layout !== undefined && layout !== this.glassLayout) {
      this.glass.clear();
      this.glassLayout = layout;
    }
    if (captureTimeMs !== undefined && captureTimeMs > 0) this.glass.add(Date.now() - captureTimeMs);
  }

  setWireRates(sentBitsPerSecond: number, receivedBitsPerSecond: number): void {
    this.wireSentBps = sentBitsPerSecond;
    this.wireReceivedBps = receivedBitsPerSecond;
  }

  snapshot(): StatsSnapshot {
    return {
      kbpsSent: (this.wireSentBps ?? this.sent.sum() * 8) / 1000,
      kbpsReceived: (this.wireReceivedBps ?? this.received.sum() * 8) / 1000,
      kbpsDriverSent: (this.sent.sum() * 8) / 1000,
      kbpsDriverReceived: (this.received.sum() * 8) / 1000,
      fpsSent: this.sent.count(),
      fpsReceived: this.received.count(),
      latencyMs: this.latency.median(),
      fpsRendered: this.rendered.count(),
      glassToGlassMs: this.glass.percentiles(),
    };
  }
}
