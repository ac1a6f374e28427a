/**
 * The sender's own neutral face, in the canonical frame: the reference point expression codes
 * are measured from. Estimated from the first frames of a capture (the person is asked to look
 * at the camera with a relaxed face) as the per-coordinate median, which shrugs off a blink or a
 * word in the middle of calibration.
 */
import { HolocallError } from '@holocall/protocol';
import { LANDMARK_COUNT } from './landmarks';

/** Frames a calibration collects by default (about one second at 30 fps). */
export const NEUTRAL_CALIBRATION_FRAMES = 30;
/** Calibration refuses to finish with fewer frames than this. */
export const MIN_NEUTRAL_FRAMES = 5;

export class NeutralFaceEstimator {
  private readonly frames: Float64Array[] = [];

  constructor(readonly targetFrames = NEUTRAL_CALIBRATION_FRAMES) {
    if (!Number.isInteger(targetFrames) || targetFrames < MIN_NEUTRAL_FRAMES) {
      throw HolocallError.badRequest(`calibration needs at least ${MIN_NEUTRAL_FRAMES} frames`, { targetFrames });
    }
  }

  /** Adds one frame's canonical landmarks; true once enough frames are in. */
  add(canonical: ArrayLike<number>): boolean {
    if (canonical.length !== LANDMARK_COUNT * 3) {
      throw HolocallError.badRequest(`canonical landmarks must hold ${LANDMARK_COUNT} points`, {
        length: canonical.length,
      });
    }
    if (this.frames.length < this.targetFrames) this.frames.push(Float64Array.from(canonical));
    return this.ready;
  }

  get count(): number {
    return this.frames.length;
  }

  get ready(): boolean {
    return this.frames.length >= this.targetFrames;
  }

  /** Per-coordinate median of the frames so far (needs MIN_NEUTRAL_FRAMES). */
  neutral(): Float64Array {
    const n = this.frames.length;
    if (n < MIN_NEUTRAL_FRAMES) {
      throw HolocallError.badRequest(`calibration has ${n} frames, needs ${MIN_NEUTRAL_FRAMES}`);
    }
    const out = new Float64Array(LANDMARK_COUNT * 3);
    const column = new Float64Array(n);
    for (let c = 0; c < out.length; c++) {
      for (let f = 0; f < n; f++) column[f] = this.frames[f]![c]!;
      column.sort();
      out[c] = n % 2 ? column[(n - 1) / 2]! : (column[n / 2 - 1]! + column[n / 2]!) / 2;
    }
    return out;
  }

  reset(): void {
    this.frames.length = 0;
  }
}
