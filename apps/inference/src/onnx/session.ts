import { HolocallError } from '@holocall/protocol';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log';
import type { ExecutionProvider } from './execution-providers';

export interface TensorSpec {
  name: string;
  type: 'float32' | 'int64';
  /** Fixed sizes, or null for a dimension the contract leaves free. */
  dims: (number | null)[];
}

/**
 * An ORT session with its IO contract: inputs and outputs are checked against the model
 * on load (a model_contract error names what differs) and every run checks its feeds;
 * on a failed run each feed's dtype and shape is logged.
 */
export class CheckedSession {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly provider: ExecutionProvider,
    readonly what: string,
    private readonly log: Logger,
  ) {}

  static async create(
    model: Uint8Array | string,
    provider: ExecutionProvider,
    what: string,
    contract: { inputs: string[]; outputs: string[] },
    log: Logger,
    options: ort.InferenceSession.SessionOptions = {},
  ): Promise<CheckedSession> {
    const opts: ort.InferenceSession.SessionOptions = { executionProviders: [provider], ...options };
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, opts)
        : await ort.InferenceSession.create(model, opts);
    const missingIn = contract.inputs.filter((n) => !session.inputNames.includes(n));
    const missingOut = contract.outputs.filter((n) => !session.outputNames.includes(n));
    if (missingIn.length > 0 || missingOut.length > 0) {
      await session.release();
      throw new HolocallError('model_contract', `${what} does not follow the IO contract`, {
        details: {
          missingInputs: missingIn,
          missingOutputs: missingOut,
          inputs: session.inputNames,
          outputs: session.outputNames,
        },
      });
    }
    return new CheckedSession(session, provider, what, log);
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
    const unknown = Object.keys(feeds).filter((n) => !this.session.inputNames.includes(n));
    const missing = this.session.inputNames.filter((n) => !(n in feeds));
    if (unknown.length > 0 || missing.length > 0) {
      throw new HolocallError('model_contract', `${this.what}: feeds do not match the model inputs`, {
        details: { unknown, missing },
      });
    }
    try {
      return await this.session.run(feeds);
    } catch (error) {
      this.log.error('onnx run failed', {
        model: this.what,
        feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { type: t.type, dims: t.dims }])),
        error: error instanceof Error ? error.message : String(error),
      });
      throw new HolocallError('internal', `${this.what} failed to run`, { cause: error });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
