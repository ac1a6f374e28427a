import { availableParallelism } from 'node:os';
import {
  type Env,
  EnvReader,
  type LogLevel,
  readLogLevel,
  logLevelFromEnv as sharedLogLevelFromEnv,
} from '@holocall/service';
import { DEFAULT_MODELS_DIR } from './neural/model-store';
import { EXECUTION_PROVIDERS, type ExecutionProviderRequest } from './onnx/execution-providers';

export { ConfigError } from '@holocall/service';

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
  /**
   * The web app's JWKS (INFERENCE_JWKS_URL, required; `npm start` sets
   * `WEB_ORIGIN/.well-known/jwks.json`): page tokens are checked against its public keys. The
   * node holds no secret of the server's.
   */
  jwksUrl: string;
  /**
   * INFERENCE_JWKS_CACHE: a file where the last good key set is kept, so a node restarted while
   * the server is unreachable still checks tokens (a participant's node: `npm run node` sets
   * data/node/jwks.json). Unset: keys are held in memory only.
   */
  jwksCacheFile: string | null;
  executionProvider: ExecutionProviderRequest;
  /**
   * 'cpu' (sparse marcher on threads), 'onnx' (dense analytic-decoder graph on the execution
   * provider), 'neural' (render.onnx of the model contract; UNTRAINED unless a trained file is
   * present); 'auto' picks onnx on a GPU, cpu otherwise.
   */
  renderer: (typeof RENDERER_CHOICES)[number];
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
  /** INFERENCE_LOG_LEVEL. */
  logLevel: LogLevel;
}

export const REENACT_CHOICES = ['reference', 'identity', 'neural'] as const;
export type ReenactChoice = (typeof REENACT_CHOICES)[number];

export const RENDERER_CHOICES = ['auto', 'cpu', 'onnx', 'neural'] as const;
export const EXECUTION_PROVIDER_CHOICES = ['auto', ...EXECUTION_PROVIDERS] as const;

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'] as const;

/**
 * The port pages expect the node on (the web app's INFERENCE_PORT default, and `npm start`'s and
 * `npm run node`'s): a node started with no INFERENCE_PORT is where the page looks for it.
 */
export const DEFAULT_INFERENCE_PORT = 3002;

/** Reads and checks every variable; throws one ConfigError naming each bad one. */
export function loadConfig(env: Env = process.env): InferenceConfig {
  const read = new EnvReader(env);
  const host = read.oneOf('INFERENCE_HOST', LOOPBACK, '127.0.0.1');
  const allowedOrigins = read.origins('INFERENCE_ALLOWED_ORIGINS');
  if (read.string('INFERENCE_ALLOWED_ORIGINS') === undefined) {
    read.add('INFERENCE_ALLOWED_ORIGINS', 'is not set: the web app origins allowed to connect, comma-separated');
  }
  const config: InferenceConfig = {
    host,
    port: read.port('INFERENCE_PORT', DEFAULT_INFERENCE_PORT),
    allowedOrigins: allowedOrigins ?? [],
    jwksUrl: read.url('INFERENCE_JWKS_URL', { protocols: ['http:', 'https:'] }) ?? '',
    jwksCacheFile: read.string('INFERENCE_JWKS_CACHE') ?? null,
    executionProvider: read.oneOf('INFERENCE_EP', EXECUTION_PROVIDER_CHOICES, 'auto'),
    renderer: read.oneOf('INFERENCE_RENDERER', RENDERER_CHOICES, 'auto'),
    // No trained weights exist, so the classical reference backend is the default.
    reenact: read.oneOf('INFERENCE_REENACT', REENACT_CHOICES, 'reference'),
    modelsDir: read.string('INFERENCE_MODELS_DIR', DEFAULT_MODELS_DIR),
    renderThreads: read.int('INFERENCE_THREADS', availableParallelism(), { min: 0, max: 64 }),
    cacheBytes: read.int('INFERENCE_CACHE_MB', 512, { min: 64, max: 1 << 20 }) * 1024 * 1024,
    targetFps: read.int('INFERENCE_TARGET_FPS', 30, { min: 5, max: 120 }),
    logLevel: readLogLevel(read, 'INFERENCE_LOG_LEVEL'),
  };
  if (read.string('INFERENCE_JWKS_URL') === undefined) {
    read.add('INFERENCE_JWKS_URL', "is not set: the web app's JWKS, e.g. http://localhost:3000/.well-known/jwks.json");
  }
  read.throwIfAny();
  return config;
}

/** INFERENCE_LOG_LEVEL on its own, for the logger, which exists before the rest is read (see @holocall/service). */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  return sharedLogLevelFromEnv('INFERENCE_LOG_LEVEL', env);
}
