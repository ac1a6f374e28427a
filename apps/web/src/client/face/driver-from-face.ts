import { ExpressionCapture } from '@holocall/face';
import type { ExpressionPayload, HeadPose } from '@holocall/protocol';
import { TRANSLATION_RANGE_M } from '@holocall/protocol';

/**
 * From tracked landmarks to what a driver frame carries: the head pose fitted by packages/face
 * and the identity-free landmark expression code relative to the sender's own neutral face
 * (measured over the first frames; until then the expression is 'none').
 */
export interface DriverSample {
  pose: HeadPose;
  expression: ExpressionPayload;
  calibrating: boolean;
}

const clamp = (v: number) => Math.max(-TRANSLATION_RANGE_M, Math.min(TRANSLATION_RANGE_M, v));

export class DriverEncoder {
  private readonly capture = new ExpressionCapture();

  sample(landmarks: Float64Array, width: number, height: number): DriverSample {
    const result = this.capture.process(landmarks, { width, height });
    const [x, y, z] = result.pose.translation;
    return {
      pose: { rotation: result.pose.rotation, translation: [clamp(x), clamp(y), clamp(z)] },
      expression: result.expression,
      calibrating: result.calibrating,
    };
  }

  /** The person asked to relax and look ahead: measure the neutral face again. */
  recalibrate(): void {
    this.capture.recalibrate();
  }
}
