import type { InferenceServerStatus } from '@holocall/protocol';
import type { TokenKeySet } from '@holocall/service';
import { InferenceServer } from './api/server';
import { ReferenceReenact, ReferenceWithPoseOnlyFallback } from './backends/reference';
import type { InferenceConfig } from './config';
import { CachedTokenKeys } from './jwks-cache';
import type { Logger } from './log';
import { NeuralReenact, NeuralRenderStage } from './neural/neural-backend';
import { InferenceNode } from './node';
import { chooseProvider } from './onnx/execution-providers';
import { CpuRenderStage } from './render/cpu-render-stage';
import { OnnxRenderStage } from './render/onnx-render-stage';
import { RenderPool } from './render/render-pool';
import type { ReenactBackend, RenderStage } from './stages/contract';
import { IdentityReenact } from './stages/identity-reenact';

export interface RunningNode {
  node: InferenceNode;
  server: InferenceServer;
  port: number;
  close(): Promise<void>;
}

/**
 * Builds the render stage for the configuration: the sparse CPU marcher on threads, or the
 * dense ONNX graph on a GPU execution provider. 'auto' uses the GPU when one was detected.
 */
export async function createRenderStage(config: InferenceConfig, log: Logger): Promise<RenderStage> {
  const choice = await chooseProvider(config.executionProvider, log);
  if (config.renderer === 'neural') return NeuralRenderStage.open(config.modelsDir, choice.provider, log);
  const useOnnx = config.renderer === 'onnx' || (config.renderer === 'auto' && choice.provider !== 'cpu');
  if (useOnnx) {
    log.info('renderer', { renderer: 'onnx-dense-graph', executionProvider: choice.provider });
    return new OnnxRenderStage(choice.provider, log);
  }
  const pool = await RenderPool.start(config.renderThreads);
  log.info('renderer', { renderer: 'cpu-sparse-marcher', threads: pool.threads });
  return new CpuRenderStage(pool);
}

/**
 * Builds the reenact stage for the configuration. 'reference' (the default) is the classical
 * reference backend; sources it did not lift (the synthetic stand-in, uploaded tri-planes)
 * follow the head pose only.
 */
export async function createReenact(config: InferenceConfig, log: Logger): Promise<ReenactBackend> {
  switch (config.reenact) {
    case 'reference':
      log.info('reenact', { reenact: 'reference-classical', trained: false });
      return new ReferenceWithPoseOnlyFallback(new ReferenceReenact());
    case 'identity':
      return new IdentityReenact();
    case 'neural':
      return NeuralReenact.open(config.modelsDir, (await chooseProvider(config.executionProvider, log)).provider, log);
  }
}

export async function startInferenceNode(
  config: InferenceConfig,
  log: Logger,
  parts: {
    stage?: RenderStage;
    reenact?: ReenactBackend;
    helloTimeoutMs?: number;
    warmLiftWorker?: boolean;
    /** Keys already opened (tests); otherwise config.jwksUrl is opened (and kept in config.jwksCacheFile). */
    tokenKeys?: TokenKeySet & { server?: () => InferenceServerStatus };
  } = {},
): Promise<RunningNode> {
  const stage = parts.stage ?? (await createRenderStage(config, log));
  const reenact = parts.reenact ?? (await createReenact(config, log));
  // Page tokens are checked against the web app's public keys; the node holds no secret of the server's.
  const tokenKeys =
    parts.tokenKeys ??
    new CachedTokenKeys(config.jwksUrl, { logger: log.child('token-keys'), cacheFile: config.jwksCacheFile });
  let server: InferenceServer | null = null;
  const node = new InferenceNode(stage, reenact, config.cacheBytes, log, (hash) => server?.avatarEvicted(hash));
  server = new InferenceServer(
    node,
    {
      host: config.host,
      port: config.port,
      allowedOrigins: config.allowedOrigins,
      tokenKeys: tokenKeys.getKey,
      serverStatus: tokenKeys.server ? () => tokenKeys.server?.() ?? null : undefined,
      targetFps: config.targetFps,
      threads: config.renderThreads,
      helloTimeoutMs: parts.helloTimeoutMs,
    },
    log,
  );
  let port: number;
  try {
    ({ port } = await server.listen());
  } catch (error) {
    tokenKeys.close();
    throw error;
  }
  // Enrollment lifts run in a worker thread: start it now, not when the first peer registers.
  if (parts.warmLiftWorker ?? config.reenact === 'reference') node.warmLifts();
  const running = server;
  return {
    node,
    server: running,
    port,
    async close() {
      tokenKeys.close();
      await running.close();
      await node.close();
    },
  };
}
