import { HolocallError, quiltTileOrigins } from '@holocall/protocol';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log';
import type { ExecutionProvider } from '../onnx/execution-providers';
import { CheckedSession } from '../onnx/session';
import { planesWithResidual, renderSize } from '../render/render-size';
import { createUpsampleScratch, upsampleIntoTile } from '../render/upsample';
import type {
  AlignedImage,
  BackendInfo,
  PreparedTriplane,
  ReenactBackend,
  ReenactInput,
  RenderedFrame,
  RenderRequest,
  RenderStage,
} from '../stages/contract';
import { createTriplane, TRIPLANE_CHANNELS, TRIPLANE_RESOLUTION, type Triplane } from '../triplane/layout';
import { FACE_SIZE, REENACT_IO, RENDER_IO } from './model-contract';
import { findModel } from './model-store';

/**
 * The neural backend: ONNX models that follow MODEL_CONTRACT.md, run by onnxruntime on the
 * chosen execution provider: reenact and render behind the node's stage interfaces (the node
 * lifts enrolled photos with the reference lift only; bench/inference-neural.ts times lift.onnx
 * through openContractSession). With the generated graphs it is UNTRAINED:
 * every stage says so (`untrained`), the node reports it in its welcome and stats, and logs warn.
 */
const TRIPLANE_DIMS = [1, 3, TRIPLANE_CHANNELS, TRIPLANE_RESOLUTION, TRIPLANE_RESOLUTION];

/**
 * Views rendered per run. The dense EG3D-size graph holds about 1.5 GB of activations per view
 * (GridSample of 32 channels for 128^2 x 96 samples, then the 512^2 upsampler): one at a time on
 * CPU (batching does not help there), a few at a time on a GPU.
 */
export function neuralViewBatch(provider: ExecutionProvider): number {
  return provider === 'cpu' ? 1 : 4;
}

/** Opens one contract model of `dir` with its IO names checked; says (and logs) when its weights are untrained. */
export async function openContractSession(
  dir: string,
  stage: 'lift' | 'reenact' | 'render',
  provider: ExecutionProvider,
  log: Logger,
  io: { inputs: Record<string, string>; outputs: Record<string, string> },
): Promise<{ session: CheckedSession; untrained: boolean }> {
  const model = findModel(dir, stage);
  if (!model) {
    throw new HolocallError(
      'unavailable',
      `no ${stage} model in ${dir}: run apps/inference/scripts/generate-models.ts`,
    );
  }
  const session = await CheckedSession.create(
    model.path,
    provider,
    `${stage} model${model.untrained ? ' (UNTRAINED)' : ''}`,
    { inputs: Object.values(io.inputs), outputs: Object.values(io.outputs) },
    log,
  );
  if (model.untrained)
    log.warn('UNTRAINED model loaded: generated weights, outputs are noise', { stage, path: model.path });
  else log.info('model loaded', { stage, path: model.path, provider });
  return { session, untrained: model.untrained };
}

function faceTensor(image: AlignedImage | undefined): ort.Tensor {
  const data = new Float32Array(3 * FACE_SIZE * FACE_SIZE);
  if (image && image.width === FACE_SIZE && image.height === FACE_SIZE) {
    // [0, 1] -> [-1, 1].
    for (let i = 0; i < data.length; i++) data[i] = (image.rgb[i] as number) * 2 - 1;
  }
  return new ort.Tensor('float32', data, [1, 3, FACE_SIZE, FACE_SIZE]);
}

export class NeuralRenderStage implements RenderStage {
  readonly name = 'neural-onnx';
  private working: Float32Array | null = null;
  private output = new Uint8Array(0);
  private readonly scratch = createUpsampleScratch();
  private interleaved = new Float32Array(0);

  private constructor(
    private readonly session: CheckedSession,
    readonly untrained: boolean,
    readonly executionProvider: ExecutionProvider,
    readonly viewBatch: number,
  ) {}

  static async open(
    dir: string,
    provider: ExecutionProvider,
    log: Logger,
    viewBatch = neuralViewBatch(provider),
  ): Promise<NeuralRenderStage> {
    const { session, untrained } = await openContractSession(dir, 'render', provider, log, RENDER_IO);
    return new NeuralRenderStage(session, untrained, provider, viewBatch);
  }

  async prepare(triplane: Triplane): Promise<PreparedTriplane> {
    return { triplane, bytes: 0 };
  }

  release(): void {}

  async render(prepared: PreparedTriplane, residual: Triplane | null, request: RenderRequest): Promise<RenderedFrame> {
    const started = performance.now();
    const t = prepared.triplane;
    const { views, cols, rows, width, height } = renderSize(request);
    const summed = planesWithResidual(t, residual, this.working);
    this.working = summed.working;
    const planes = summed.planes;
    if (this.output.length < width * height * 4) this.output = new Uint8Array(width * height * 4);
    const pixels = this.output.subarray(0, width * height * 4);
    const pixels32 = new Uint32Array(pixels.buffer, 0, width * height);
    const triplane = new ort.Tensor('float32', planes, TRIPLANE_DIMS);
    const tiles = quiltTileOrigins({ cols, rows });
    let side = 0;
    for (let first = 0; first < views; first += this.viewBatch) {
      const n = Math.min(this.viewBatch, views - first);
      const cams = new Float32Array(n * 25);
      for (let v = 0; v < n; v++) cams.set(request.cameras[first + v] as Float32Array, v * 25);
      const out = await this.session.run({
        [RENDER_IO.inputs.triplane]: triplane,
        [RENDER_IO.inputs.cameras]: new ort.Tensor('float32', cams, [n, 25]),
      });
      const image = out[RENDER_IO.outputs.image] as ort.Tensor;
      side = image.dims[3] as number;
      const area = side * side;
      if (this.interleaved.length < area * 4) this.interleaved = new Float32Array(area * 4);
      const data = image.data as Float32Array;
      for (let v = 0; v < n; v++) {
        // Planar [-1, 1] RGB -> interleaved [0, 1] RGBA (opaque), then resampled into the tile.
        const base = v * 3 * area;
        for (let p = 0; p < area; p++) {
          for (let c = 0; c < 3; c++) this.interleaved[p * 4 + c] = ((data[base + c * area + p] as number) + 1) * 0.5;
          this.interleaved[p * 4 + 3] = 1;
        }
        const tile = tiles[first + v]!;
        upsampleIntoTile(
          this.interleaved,
          0,
          side,
          side,
          pixels32,
          width,
          tile,
          request.tileWidth,
          request.tileHeight,
          this.scratch,
        );
      }
    }
    return {
      pixels,
      width,
      height,
      views,
      rays: { width: side / 4, height: side / 4, coarseSamples: 0, fineSamples: 0 },
      decodedSamples: 0,
      ms: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export class NeuralReenact implements ReenactBackend {
  readonly name = 'neural-onnx';
  readonly info: BackendInfo;
  readonly needsReferenceModel = false;
  private readonly residualOut: Triplane = createTriplane();

  private constructor(
    private readonly session: CheckedSession,
    readonly untrained: boolean,
  ) {
    this.info = {
      id: this.name,
      label: untrained
        ? 'Neural graphs with UNTRAINED generated weights (measures speed only; not a person)'
        : `Neural model (${this.name})`,
      trained: !untrained,
    };
  }

  static async open(dir: string, provider: ExecutionProvider, log: Logger): Promise<NeuralReenact> {
    const { session, untrained } = await openContractSession(dir, 'reenact', provider, log, REENACT_IO);
    return new NeuralReenact(session, untrained);
  }

  async residual(input: ReenactInput): Promise<Triplane | null> {
    const driverImage = input.driver.kind === 'crop' ? input.driver.image : undefined;
    const out = await this.session.run({
      [REENACT_IO.inputs.sourceTriplane]: new ort.Tensor('float32', input.source.data, TRIPLANE_DIMS),
      [REENACT_IO.inputs.sourceFace]: faceTensor(input.sourceFace.frontalImage),
      [REENACT_IO.inputs.driverFace]: faceTensor(driverImage),
    });
    this.residualOut.data.set((out[REENACT_IO.outputs.residual] as ort.Tensor).data as Float32Array);
    return this.residualOut;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
