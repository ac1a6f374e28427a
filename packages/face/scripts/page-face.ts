import type { TrackedFace } from '../src/browser/tracker';

/** What a harness page hands back to Node for one tracked face: plain JSON, landmarks as numbers. */
export interface PageFace {
  landmarks: number[];
  humanAngles: TrackedFace['humanAngles'];
  score: number;
  box: number[];
  cropSize: number;
}

/** The first tracked face of a frame, as a harness page returns it (null: no face). */
export function pageFaceOf(face: TrackedFace | undefined): PageFace | null {
  if (!face) return null;
  const { humanAngles, score, box, cropSize } = face;
  return { landmarks: Array.from(face.landmarks), humanAngles, score, box, cropSize };
}
