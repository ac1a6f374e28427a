import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HolocallError } from '@holocall/protocol';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type GraphModel, loadGraphModelSync } from '@tensorflow/tfjs-converter';
import { runSegmentationModel } from './segmentation-model';
import { installPersonSegmenter, SEGMENTER_SIZE } from './segmenter-slot';

export { SEGMENTER_SIZE } from './segmenter-slot';

/**
 * The person-segmentation model (MediaPipe selfie, models/segmentation/PROVENANCE.md) run by
 * TensorFlow.js, offline: the graph and its weights are read from disk, the wasm binary from
 * node_modules as a filesystem path.
 *
 * Backends: the wasm backend (SIMD) runs a 256² pass in about 50 to 120 ms on this machine; it
 * starts asynchronously, so a thread that lifts calls preparePersonSegmenter() once first (the
 * lift worker does at start-up, with a warm-up pass). The lift itself stays synchronous: a thread
 * that never prepared it (a script, a test) gets tfjs's synchronous CPU backend instead, which
 * computes the same numbers (to ~1e-5) in about 1 s.
 */

export type SegmenterBackend = 'wasm' | 'cpu';

const models = new Map<SegmenterBackend, GraphModel<tf.io.IOHandlerSync>>();
let preparing: Promise<SegmenterBackend> | null = null;
let wasmReady = false;

const modelPath = (): string => fileURLToPath(new URL('../../../models/segmentation/selfie.json', import.meta.url));

/** Loads a tfjs graph model (model.json + its weight files beside it) synchronously from disk, into the current backend. */
export function loadGraphModelFromFile(jsonPath: string): GraphModel<tf.io.IOHandlerSync> {
  let json: {
    format?: string;
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  let weights: ArrayBuffer;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    const parts = (json.weightsManifest ?? []).flatMap((group) =>
      group.paths.map((p) => readFileSync(join(dirname(jsonPath), p))),
    );
    const all = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
    let at = 0;
    for (const b of parts) {
      all.set(b, at);
      at += b.byteLength;
    }
    weights = all.buffer;
  } catch (error) {
    throw new HolocallError('internal', `segmentation model: cannot read ${jsonPath}`, {
      details: { path: jsonPath, error: String(error) },
    });
  }
  if (json.format !== 'graph-model' || !json.modelTopology || !json.weightsManifest) {
    throw new HolocallError('internal', `segmentation model: ${jsonPath} is not a tfjs graph model`, {
      details: { path: jsonPath, format: json.format },
    });
  }
  return loadGraphModelSync([json as tf.io.ModelJSON, weights]);
}

/** The model in the backend now active, loaded on first use there. */
function modelFor(backend: SegmenterBackend): GraphModel<tf.io.IOHandlerSync> {
  let model = models.get(backend);
  if (!model) {
    model = loadGraphModelFromFile(modelPath());
    models.set(backend, model);
  }
  return model;
}

/**
 * Starts the wasm backend and loads the model into it, then runs one pass (the first pass
 * compiles kernels: ~150 ms). Once per thread; later calls return the same promise. Rejects (and
 * the thread keeps the CPU backend) if wasm cannot start.
 */
export function preparePersonSegmenter(): Promise<SegmenterBackend> {
  if (!preparing) {
    preparing = (async () => {
      tf.env().set('PROD', true); // no debug checks, no "use tfjs-node" banner
      const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
      setWasmPaths(`${join(dirname(pkg), 'dist')}/`); // a filesystem path: in Node the binary is read, not fetched
      const ok = await tf.setBackend('wasm');
      if (!ok) {
        void tf.setBackend('cpu');
        throw new HolocallError('internal', 'segmentation model: the tfjs wasm backend did not start');
      }
      wasmReady = true;
      segmentPerson(new Float32Array(SEGMENTER_SIZE * SEGMENTER_SIZE * 3));
      return 'wasm' as const;
    })();
  }
  return preparing;
}

/** The backend the next segmentPerson() call runs on. */
export function segmenterBackend(): SegmenterBackend {
  return wasmReady ? 'wasm' : 'cpu';
}

/**
 * Person probability (row-major 256²) for a 256 x 256 RGB input in [0, 1], NHWC interleaved.
 * Synchronous: on wasm once prepared, else on the CPU backend (see the module comment).
 */
export function segmentPerson(input: Float32Array): Float32Array {
  if (!wasmReady) {
    if (preparing) {
      // setBackend('cpu') now would race the wasm start, whose completion then installs the wrong backend.
      throw new HolocallError('unavailable', 'the segmentation model is still starting: try again');
    }
    tf.env().set('PROD', true);
    if (tf.engine().backendName !== 'cpu') void tf.setBackend('cpu'); // a registered synchronous backend: active at once
  }
  return runSegmentationModel(modelFor(segmenterBackend()), input);
}

// The node's lifts segment with this model (segmenter-slot.ts); importing this module installs it.
installPersonSegmenter(segmentPerson);
