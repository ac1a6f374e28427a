/**
 * Driver frames the way a sender's browser makes them, minus the tracker: the real capture
 * step (`ExpressionCapture`: face fit, pose, canonical landmarks, the 34-value quantized
 * expression code) on the fixture's tracker landmarks, blended each frame between the neutral
 * face and the fixture's mouth-open face with a small head movement, encoded with the real
 * codec. What the benches send is therefore exactly what a call sends, byte for byte in size.
 */
import { ExpressionCapture, NEUTRAL_CALIBRATION_FRAMES } from '@holocall/face';
import { fixtureLandmarks, loadLandmarkFixture } from '@holocall/face/node';
import { encodeDriverFrame } from '@holocall/protocol';

/** The landmark fixture's image size. */
const FIXTURE_SIZE = 512;

export interface FaceFrameSource {
  /** The next encoded frame, stamped with `captureTimeMs` (integer ms, as the browser stamps it). */
  next(captureTimeMs: number): Uint8Array;
  /** Milliseconds of the capture step alone (fit + code + encode) for each frame made so far. */
  readonly captureMs: number[];
}

export function createFaceFrameSource(): FaceFrameSource {
  const fixture = loadLandmarkFixture();
  const neutral = fixtureLandmarks('astronaut', fixture);
  const open = fixtureLandmarks('mouth-open', fixture);
  const capture = new ExpressionCapture();
  const camera = { width: FIXTURE_SIZE, height: FIXTURE_SIZE };
  for (let i = 0; i < NEUTRAL_CALIBRATION_FRAMES; i += 1) capture.process(neutral, camera);
  const blended = new Float64Array(neutral.length);
  const captureMs: number[] = [];
  let seq = 0;
  return {
    captureMs,
    next(captureTimeMs) {
      const t0 = performance.now();
      seq += 1;
      // Mouth opens and closes about once a second (30 Hz frames); the head drifts a few pixels.
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * seq) / 30);
      const dx = 6 * Math.sin((2 * Math.PI * seq) / 90);
      for (let i = 0; i < neutral.length; i += 1) {
        const a = neutral[i] as number;
        blended[i] = a + w * ((open[i] as number) - a) + (i % 3 === 0 ? dx : 0);
      }
      const result = capture.process(blended, camera);
      const bytes = encodeDriverFrame({ seq, captureTimeMs, pose: result.pose, expression: result.expression });
      captureMs.push(performance.now() - t0);
      return bytes;
    },
  };
}
