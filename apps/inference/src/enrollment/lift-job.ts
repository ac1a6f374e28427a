import { checkEnrollmentImage } from '@holocall/protocol';
import type { ReferenceSourceFace } from '../backends/reference/lift';
// The node's lifts segment with tfjs reading the model from disk (installed on import).
import '../backends/reference/person-segmenter';
import type { Triplane } from '../triplane/layout';
import { decodeEnrollmentImage } from './decode-image';
import { landmarksForImage } from './enrollment-landmarks';
import { liftDecodedPhoto } from './lift-photo';

/** An enrolled face to lift: image bytes as stored (PNG/JPEG) and the tracker's landmarks. */
export interface LiftJobInput {
  image: Uint8Array;
  /** 478 x 3, pixels of an image of `landmarkSpace` size. */
  landmarks: Float32Array;
  landmarkSpace: { width: number; height: number };
  /** Plane resolution (the contract's 256 unless a test asks for less). */
  resolution?: number;
}

export interface LiftJobOutput {
  triplane: Triplane;
  /** Carries the reference model (`reference`) the reference reenact stage warps; it crosses the thread with the rest. */
  sourceFace: ReferenceSourceFace;
  ms: { decode: number; align: number; lift: number; total: number };
}

export type LiftJobStage = 'decode' | 'align' | 'lift';
export type LiftJobProgress = (stage: LiftJobStage, fraction: number) => void;

/**
 * The whole lift of an enrolled face, synchronous CPU work (~0.5 to 1.5 s on this machine for
 * a 512 crop): check the header and the landmarks, decode, FFHQ-align to the 512 crop, lift with
 * the classical reference backend (lift-photo.ts). Every failure is a typed HolocallError. Runs in the lift
 * worker thread (lift-worker.ts), never on the node's main thread.
 */
export function runLiftJob(input: LiftJobInput, progress: LiftJobProgress = () => {}): LiftJobOutput {
  const t0 = performance.now();
  const header = checkEnrollmentImage(input.image);
  const displayed = { width: header.displayWidth, height: header.displayHeight };
  const landmarksChecked = landmarksForImage(input.landmarks, input.landmarkSpace, displayed);
  progress('decode', 0);
  const photo = decodeEnrollmentImage(input.image, header);
  const t1 = performance.now();
  const lifted = liftDecodedPhoto(photo, landmarksChecked, input.resolution, progress);
  return {
    triplane: lifted.triplane,
    sourceFace: lifted.sourceFace,
    ms: { decode: t1 - t0, ...lifted.ms, total: performance.now() - t0 },
  };
}

/** Every distinct ArrayBuffer under `value` (plain objects, arrays, typed arrays): what a worker can hand over without copying. */
export function transferablesOf(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) transferablesOf(v, found);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferablesOf(v, found);
  }
  return [...found];
}
