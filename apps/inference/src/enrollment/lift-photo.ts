import { alignFace, type RgbaImage } from '@holocall/face';
import { alignedImageFromRgba } from '../backends/reference/image';
import { liftReference, type ReferenceSourceFace } from '../backends/reference/lift';
import type { Triplane } from '../triplane/layout';

export interface PhotoLift {
  triplane: Triplane;
  /** Carries the reference model (`reference`) the reference reenact stage warps, and the aligned photo the detail pass textures from. */
  sourceFace: ReferenceSourceFace;
  ms: { align: number; lift: number };
}

export type PhotoLiftStage = 'align' | 'lift';

/**
 * The lift of a decoded enrolled photo: FFHQ-align to the 512 crop with the tracker's landmarks
 * (checked, in the photo's pixels), then the classical reference lift. Plain TypeScript: the
 * node's lift worker (after decoding the stored bytes, lift-job.ts) and the page's renderer
 * (after the browser decoded them, page/page-engine.ts) run the same steps.
 */
export function liftDecodedPhoto(
  photo: RgbaImage,
  landmarks: Float64Array,
  resolution: number | undefined,
  progress: (stage: PhotoLiftStage, fraction: number) => void = () => {},
): PhotoLift {
  const t0 = performance.now();
  progress('align', 0);
  const aligned = alignFace(photo, landmarks);
  const liftInput = { image: alignedImageFromRgba(aligned.image), landmarks: aligned.landmarks, resolution };
  const t1 = performance.now();
  progress('lift', 0);
  const result = liftReference(liftInput, (_step, fraction) => progress('lift', fraction));
  return {
    triplane: result.triplane,
    // The aligned photo travels with the avatar: the render stage textures from it (detail.ts).
    sourceFace: { ...result.sourceFace, photo: aligned.image },
    ms: { align: t1 - t0, lift: performance.now() - t1 },
  };
}
