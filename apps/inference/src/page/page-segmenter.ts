import { HolocallError } from '@holocall/protocol';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { runSegmentationModel } from '../backends/reference/segmentation-model';
import { installPersonSegmenter, SEGMENTER_SIZE } from '../backends/reference/segmenter-slot';

export interface PageSegmenterAssets {
  /** Absolute URL of the selfie model's model.json (its .bin beside it), served by the web app. */
  modelUrl: string;
  /** Absolute URL of the folder holding tfjs-backend-wasm's .wasm binaries. */
  wasmPath: string;
}

/**
 * Installs the lift's person-segmentation model in this thread of a page: tfjs's wasm backend
 * (single-threaded: its threaded build would spawn workers of its own from a CDN-style path),
 * else its CPU backend, with the model fetched from the web app (never a CDN). Runs one pass
 * to compile kernels. Returns the backend it runs on.
 */
export async function installPageSegmenter(assets: PageSegmenterAssets): Promise<'wasm' | 'cpu'> {
  tf.env().set('PROD', true);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(assets.wasmPath);
  let backend: 'wasm' | 'cpu' = 'wasm';
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    await tf.setBackend('cpu');
    backend = 'cpu';
  }
  let model: Awaited<ReturnType<typeof loadGraphModel>>;
  try {
    model = await loadGraphModel(assets.modelUrl);
  } catch (error) {
    throw new HolocallError('unavailable', `segmentation model: cannot load ${assets.modelUrl}`, {
      details: { error: String(error) },
    });
  }
  const segment = (input: Float32Array) => runSegmentationModel(model, input);
  segment(new Float32Array(SEGMENTER_SIZE * SEGMENTER_SIZE * 3));
  installPersonSegmenter(segment);
  return backend;
}
