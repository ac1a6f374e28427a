import { availableParallelism } from 'node:os';
import { DEFAULT_MODELS_DIR } from './neural/model-store';
import { type ExecutionProviderRequest, parseProviderRequest } from './onnx/execution-providers';

/**
 * Configuration, read and checked once at start-up from the environment. A missing or bad
 * value stops the process with a message that names the variable.
 */
export interface InferenceConfig {
  /** Always a loopback address: the node serves the browser on the same machine only. */
  host: string;
  port: number;
  /** Web app origins whose pages may connect (exact match, e.g. http://localhost:3000). */
  allowedOrigins: string[];
  /** Shared with the web app, which signs page tokens with it (at least 32 characters). */
  secret: string;
  executionProvider: ExecutionProviderRequest;
  /**
   * 'cpu' (sparse marcher on threads), 'onnx' (dense analytic-decoder graph on the execution
   * provider), 'neural' (render.onnx of the model contract; UNTRAINED unless a trained file is
   * present); 'auto' picks onnx on a GPU, cpu otherwise.
   */
  renderer: 'auto' | 'cpu' | 'onnx' | 'neural';
  /**
   * 'reference' (default: the classical reference backend, landmark-driven, no trained weights),
   * 'identity' (zero residual: heads follow pose only) or 'neural' (reenact.onnx of the model
   * contract; UNTRAINED unless a trained file is present).
   */
  reenact: ReenactChoice;
  /** Where contract models live (generated UNTRAINED ones and trained drop-ins). */
  modelsDir: string;
  renderThreads: number;
  cacheBytes: number;
  /** Frame rate the adaptive quality level aims for. */
  targetFps: number;
}

export const REENACT_CHOICES = ['reference', 'identity', 'neural'] as const;
export type ReenactChoice = (typeof REENACT_CHOICES)[number];

export const MIN_SECRET_LENGTH = 32;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(name, `expected an integer in [${min}, ${max}], got ${raw}`);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const host = env.INFERENCE_HOST || '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new ConfigError('INFERENCE_HOST', `must be a loopback address (127.0.0.1, ::1), got ${host}`);
  const origins = (env.INFERENCE_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (origins.length === 0)
    throw new ConfigError('INFERENCE_ALLOWED_ORIGINS', 'required: comma-separated web app origins');
  for (const o of origins) {
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new ConfigError('INFERENCE_ALLOWED_ORIGINS', `not an origin: ${o}`);
    }
    if (url.origin !== o)
      throw new ConfigError('INFERENCE_ALLOWED_ORIGINS', `write origins as scheme://host[:port], got ${o}`);
  }
  const secret = env.INFERENCE_SECRET ?? '';
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      'INFERENCE_SECRET',
      `required, at least ${MIN_SECRET_LENGTH} characters (shared with the web app)`,
    );
  }
  let executionProvider: ExecutionProviderRequest;
  try {
    executionProvider = parseProviderRequest(env.INFERENCE_EP);
  } catch (e) {
    throw new ConfigError('INFERENCE_EP', (e as Error).message);
  }
  const renderer = env.INFERENCE_RENDERER || 'auto';
  if (renderer !== 'auto' && renderer !== 'cpu' && renderer !== 'onnx' && renderer !== 'neural') {
    throw new ConfigError('INFERENCE_RENDERER', `expected auto, cpu, onnx or neural, got ${renderer}`);
  }
  // No trained weights exist, so the classical reference backend is the default.
  const reenact = (env.INFERENCE_REENACT || 'reference') as ReenactChoice;
  if (!REENACT_CHOICES.includes(reenact)) {
    throw new ConfigError('INFERENCE_REENACT', `expected ${REENACT_CHOICES.join(', ')}, got ${reenact}`);
  }
  return {
    host,
    port: int(env, 'INFERENCE_PORT', 8790, 1, 65535),
    allowedOrigins: origins,
    secret,
    executionProvider,
    renderer,
    reenact,
    modelsDir: env.INFERENCE_MODELS_DIR || DEFAULT_MODELS_DIR,
    renderThreads: int(env, 'INFERENCE_THREADS', availableParallelism(), 0, 64),
    cacheBytes: int(env, 'INFERENCE_CACHE_MB', 512, 64, 1 << 20) * 1024 * 1024,
    targetFps: int(env, 'INFERENCE_TARGET_FPS', 30, 5, 120),
  };
}
