import * as ort from 'onnxruntime-node';
import type { Logger } from '../log';
import { DataType, GraphBuilder } from './graph';

/**
 * Execution providers: CPU always works; WebGPU is bundled with onnxruntime-node and used
 * when a GPU adapter exists; CUDA needs provider libraries the npm package does not ship,
 * so it is used only when they are installed. Each is detected at start-up by creating a
 * one-node session on it; a failure falls back to CPU with a log line saying why.
 */
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
export type ExecutionProviderRequest = ExecutionProvider | 'auto';

export interface ProviderChoice {
  provider: ExecutionProvider;
  /** Providers tried before this one and why they were refused. */
  refused: { provider: ExecutionProvider; reason: string }[];
}

function probeModel(): Uint8Array {
  const g = new GraphBuilder('probe');
  const x = g.input('x', DataType.float, [4]);
  g.output(g.add(x, x), 'y', DataType.float, [4]);
  return g.toModelBytes({ producer: 'holocall-inference', doc: 'execution provider probe' });
}

export async function probeProvider(provider: ExecutionProvider): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(probeModel(), { executionProviders: [provider] });
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
    const ok = (out.y?.data as Float32Array | undefined)?.[3] === 8;
    await session.release();
    return ok ? null : 'probe produced a wrong result';
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
  }
}

export async function chooseProvider(request: ExecutionProviderRequest, log: Logger): Promise<ProviderChoice> {
  const order: ExecutionProvider[] =
    request === 'auto' ? ['webgpu', 'cpu'] : request === 'cpu' ? ['cpu'] : [request, 'cpu'];
  const refused: ProviderChoice['refused'] = [];
  for (const provider of order) {
    const reason = provider === 'cpu' ? null : await probeProvider(provider);
    if (reason === null) {
      if (refused.length > 0)
        log.warn('execution provider unavailable, falling back', { requested: request, using: provider, refused });
      else log.info('execution provider', { using: provider });
      return { provider, refused };
    }
    refused.push({ provider, reason });
  }
  throw new Error('no execution provider available');
}

export function parseProviderRequest(value: string | undefined): ExecutionProviderRequest {
  const v = value ?? 'auto';
  if (v === 'auto' || (EXECUTION_PROVIDERS as readonly string[]).includes(v)) return v as ExecutionProviderRequest;
  throw new Error(`expected auto, ${EXECUTION_PROVIDERS.join(', ')}; got ${v}`);
}
