import { HolocallError } from '@holocall/protocol';

/** The person-segmentation model's input side (256 x 256 RGB in [0, 1], NHWC interleaved). */
export const SEGMENTER_SIZE = 256;

/** Person probability (row-major 256²) for a SEGMENTER_SIZE² RGB input; synchronous. */
export type PersonSegmenter = (input: Float32Array) => Float32Array;

let installed: PersonSegmenter | null = null;

/**
 * Where the lift finds the segmentation model. The lift is plain TypeScript that runs in the
 * node and in the page; the model's runtime is not: the node installs tfjs reading the model
 * from disk (person-segmenter.ts installs itself when imported), a page installs tfjs fetching
 * it from the web app (@holocall/inference/page-engine).
 */
export function installPersonSegmenter(segmenter: PersonSegmenter): void {
  installed = segmenter;
}

export function personSegmenter(): PersonSegmenter {
  if (!installed) {
    throw new HolocallError('internal', 'no person-segmentation model is installed in this thread');
  }
  return installed;
}
