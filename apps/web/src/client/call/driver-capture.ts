import type { TrackerClient } from '@holocall/face/browser/tracker-client';
import { type DriverFrame, encodeDriverFrame, nextDriverFrameSeq } from '@holocall/protocol';
import { DriverEncoder, type DriverSample } from '../face/driver-from-face';

/** Driver frames are sent at up to this rate; the tracker may be slower (then fewer go out). */
export const MAX_DRIVER_FPS = 30;
/** No face for this long and the sender is told (a blink of a lost frame is not news). */
export const FACE_LOST_AFTER_MS = 1000;

export interface CaptureCallbacks {
  /** A frame to publish (already encoded). */
  send: (bytes: Uint8Array, frame: DriverFrame) => void;
  /** The sender's own latest pose (for motion parallax and the self view). */
  onSample?: (sample: DriverSample | null) => void;
  /** The face has not been found for FACE_LOST_AFTER_MS (true), or is found again (false). */
  onFaceLost?: (lost: boolean) => void;
  /** The tracker did not start (its models or wasm did not load): no driver frames will go out. */
  onTrackerFailed?: (message: string) => void;
}

/**
 * The sender's capture loop: the newest camera frame goes to the tracker worker only when
 * the previous one is done (never a queue), at most MAX_DRIVER_FPS times a second; each
 * tracked face becomes a driver frame stamped with its capture time.
 */
export class DriverCapture {
  private seq = 0;
  private running = false;
  private lastStart = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  trackedFrames = 0;
  lostFrames = 0;
  lastDetectMs = 0;
  calibrating = true;
  readonly encoder = new DriverEncoder();
  private lostSince: number | null = null;
  private reportedLost = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly tracker: TrackerClient,
    private readonly callbacks: CaptureCallbacks,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tracker.ready.catch((error: unknown) => {
      this.stop();
      this.callbacks.onTrackerFailed?.(String((error as Error)?.message ?? error));
    });
    void this.loop();
  }

  private noFace(): void {
    const now = performance.now();
    this.lostSince ??= now;
    if (!this.reportedLost && now - this.lostSince >= FACE_LOST_AFTER_MS) {
      this.reportedLost = true;
      this.callbacks.onFaceLost?.(true);
    }
  }

  private faceFound(): void {
    this.lostSince = null;
    if (!this.reportedLost) return;
    this.reportedLost = false;
    this.callbacks.onFaceLost?.(false);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const wait = this.lastStart + 1000 / MAX_DRIVER_FPS - performance.now();
      if (wait > 0) await new Promise<void>((resolve) => (this.timer = setTimeout(resolve, wait)));
      if (!this.running) break;
      this.lastStart = performance.now();
      const v = this.video;
      if (v.readyState < 2 || v.videoWidth === 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const captureTimeMs = Date.now();
      try {
        const detection = await this.tracker.detect(v);
        this.lastDetectMs = detection.detectMs;
        const face = detection.faces[0];
        if (!face) {
          this.lostFrames++;
          this.noFace();
          this.callbacks.onSample?.(null);
          continue;
        }
        this.faceFound();
        this.trackedFrames++;
        const sample = this.encoder.sample(face.landmarks, detection.width, detection.height);
        this.calibrating = sample.calibrating;
        this.callbacks.onSample?.(sample);
        this.seq = nextDriverFrameSeq(this.seq);
        const frame: DriverFrame = { seq: this.seq, captureTimeMs, pose: sample.pose, expression: sample.expression };
        this.callbacks.send(encodeDriverFrame(frame), frame);
      } catch {
        this.lostFrames++;
        this.noFace();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }
}
