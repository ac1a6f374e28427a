import { HolocallError } from '@holocall/protocol';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { SEGMENTER_SIZE } from './segmenter-slot';

const MODEL_INPUT = 'input_1';
const MODEL_OUTPUT = 'activation_10';

/**
 * One pass of the selfie segmentation graph (models/segmentation/PROVENANCE.md), loaded into the
 * active tfjs backend: person probability (row-major 256²) for a 256 x 256 RGB input in [0, 1],
 * NHWC interleaved. Synchronous on the wasm and CPU backends. The node (person-segmenter.ts,
 * model read from disk) and a page (page/page-segmenter.ts, model fetched) both run it.
 */
export function runSegmentationModel(
  model: GraphModel<string | tf.io.IOHandler | tf.io.IOHandlerSync>,
  input: Float32Array,
): Float32Array {
  if (input.length !== SEGMENTER_SIZE * SEGMENTER_SIZE * 3) {
    throw HolocallError.badRequest('segmentation model: the input must be 256 x 256 x 3', { length: input.length });
  }
  const out = tf.tidy(() => {
    const x = tf.tensor4d(input, [1, SEGMENTER_SIZE, SEGMENTER_SIZE, 3]);
    return model.execute({ [MODEL_INPUT]: x }, MODEL_OUTPUT) as tf.Tensor;
  });
  try {
    return Float32Array.from(out.dataSync() as Float32Array);
  } finally {
    out.dispose();
  }
}
