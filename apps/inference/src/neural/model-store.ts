import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log';
import { LIFT_IO, MODEL_CONTRACT_VERSION, REENACT_IO, RENDER_IO } from './model-contract';
import {
  buildUntrainedLiftGraph,
  buildUntrainedReenactGraph,
  buildUntrainedRenderGraph,
  type GeneratedGraph,
} from './untrained-graphs';

/**
 * Where contract models live: `apps/inference/generated/` (gitignored). A trained model is
 * dropped in under the contract's file name (`render.onnx`, ...); generated architecture-size
 * graphs with random weights are written next to them as `*.untrained.onnx` by
 * scripts/generate-models.ts and never mistaken for trained ones: the loader labels anything
 * named `.untrained.` UNTRAINED.
 */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../generated/', import.meta.url));

/** Bump when a generated graph changes: the setup step regenerates files whose stamp differs. */
export const GENERATED_MODELS_VERSION = 2;
export const MANIFEST = 'models.json';

export interface Manifest {
  version: number;
  contract: number;
  untrained: true;
  generatedAt: string;
  files: Record<string, { bytes: number; weightBytes: number }>;
}

const GENERATORS: { stage: 'lift' | 'reenact' | 'render'; build: () => GeneratedGraph }[] = [
  { stage: 'render', build: () => buildUntrainedRenderGraph() },
  { stage: 'reenact', build: () => buildUntrainedReenactGraph() },
  { stage: 'lift', build: () => buildUntrainedLiftGraph() },
];

function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

function upToDate(dir: string, m: Manifest | null): boolean {
  if (!m || m.version !== GENERATED_MODELS_VERSION || m.contract !== MODEL_CONTRACT_VERSION) return false;
  return GENERATORS.every(({ stage }) => {
    const name = `${stage}.untrained.onnx`;
    const path = join(dir, name);
    return existsSync(path) && statSync(path).size === m.files[name]?.bytes;
  });
}

/**
 * Writes the UNTRAINED graphs unless the manifest says they are present and current.
 * Idempotent; files are written to a temporary name and renamed, so a crash leaves no half file.
 */
export function ensureGeneratedModels(dir: string, log: Logger, force = false): { generated: string[] } {
  mkdirSync(dir, { recursive: true });
  if (!force && upToDate(dir, readManifest(dir))) {
    log.info('untrained models up to date', { dir, version: GENERATED_MODELS_VERSION });
    return { generated: [] };
  }
  const files: Manifest['files'] = {};
  const generated: string[] = [];
  for (const { stage, build } of GENERATORS) {
    const started = performance.now();
    const graph = build();
    const name = `${stage}.untrained.onnx`;
    const tmp = join(dir, `${name}.tmp`);
    writeFileSync(tmp, graph.bytes);
    renameSync(tmp, join(dir, name));
    files[name] = { bytes: graph.bytes.length, weightBytes: graph.weightBytes };
    generated.push(name);
    log.info('generated UNTRAINED model', {
      file: name,
      mib: Math.round((graph.bytes.length / 2 ** 20) * 10) / 10,
      ms: Math.round(performance.now() - started),
    });
  }
  const manifest: Manifest = {
    version: GENERATED_MODELS_VERSION,
    contract: MODEL_CONTRACT_VERSION,
    untrained: true,
    generatedAt: new Date().toISOString(),
    files,
  };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { generated };
}

export interface ModelFile {
  path: string;
  untrained: boolean;
}

/** The model for a stage: a trained `<stage>.onnx` if present, else the generated UNTRAINED one. */
export function findModel(dir: string, stage: 'lift' | 'reenact' | 'render'): ModelFile | null {
  const io = { lift: LIFT_IO, reenact: REENACT_IO, render: RENDER_IO }[stage];
  const trained = join(dir, io.file);
  if (existsSync(trained)) return { path: trained, untrained: false };
  const untrained = join(dir, `${stage}.untrained.onnx`);
  if (existsSync(untrained)) return { path: untrained, untrained: true };
  return null;
}
