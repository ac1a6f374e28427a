/**
 * Sender-side capture step: tracker landmarks in, what a driver frame carries out (head pose
 * and the quantized landmark expression code). The first frames calibrate the sender's own
 * neutral face (neutral.ts); until then the expression is 'none'.
 */
import type { ExpressionPayload, HeadPose } from '@holocall/protocol';
import { canonicalFromFit } from './canonical';
import { expressionCode, quantizeCode } from './expression';
import { NEUTRAL_CALIBRATION_FRAMES, NeutralFaceEstimator } from './neutral';
import { type CameraGeometry, type FaceFit, fitFace, headPoseFromFit } from './pose';

export interface CaptureResult {
  pose: HeadPose;
  expression: ExpressionPayload;
  fit: FaceFit;
  /** True while the neutral face is still being measured. */
  calibrating: boolean;
}

export class ExpressionCapture {
  private estimator: NeutralFaceEstimator;
  private neutral: Float64Array | null = null;

  constructor(calibrationFrames = NEUTRAL_CALIBRATION_FRAMES) {
    this.estimator = new NeutralFaceEstimator(calibrationFrames);
  }

  /** One tracked frame: landmarks in pixels of an image of the given geometry. */
  process(landmarks: ArrayLike<number>, camera: CameraGeometry): CaptureResult {
    const fit = fitFace(landmarks);
    const canonical = canonicalFromFit(landmarks, fit);
    const pose = headPoseFromFit(fit, camera);
    if (this.neutral === null) {
      if (this.estimator.add(canonical)) this.neutral = this.estimator.neutral();
      return { pose, expression: { kind: 'none' }, fit, calibrating: this.neutral === null };
    }
    const code = quantizeCode(expressionCode(canonical, this.neutral));
    return { pose, expression: { kind: 'landmarks', code }, fit, calibrating: false };
  }

  /** Uses the given canonical landmarks as the neutral face (e.g. a stored calibration). */
  setNeutral(canonical: ArrayLike<number>): void {
    this.neutral = Float64Array.from(canonical);
  }

  /** Starts measuring the neutral face again (the person asked to relax and look ahead). */
  recalibrate(): void {
    this.neutral = null;
    this.estimator.reset();
  }
}
