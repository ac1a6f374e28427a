import { quiltTileOrigins } from '@holocall/protocol';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log';
import type { ExecutionProvider } from '../onnx/execution-providers';
import { CheckedSession } from '../onnx/session';
import {
  buildStraightforwardGraph,
  STRAIGHTFORWARD_INPUTS,
  STRAIGHTFORWARD_OUTPUT,
} from '../onnx/straightforward-graph';
import type { PreparedTriplane, RenderedFrame, RenderRequest, RenderStage } from '../stages/contract';
import { TRIPLANE_PLANES, type Triplane } from '../triplane/layout';
import { marchSettings } from './march-settings';
import { presetFor, type QualityPreset, rayGridFor } from './quality';
import { assertRenderableCamera, CAM_OX, CAMERA_PREPARED_FLOATS, prepareCamera, rayDirection } from './rays';
import { planesWithResidual, renderSize } from './render-size';
import { createUpsampleScratch, upsampleIntoTile } from './upsample';

/**
 * The dense renderer: the straightforward EG3D graph (render-graph.ts) run by onnxruntime on
 * any execution provider, all views of a request batched into one run. On CPU it is the
 * baseline the sparse marcher is measured against; on a GPU (WebGPU, CUDA) dense work is what
 * the hardware is good at. Rays are computed here; colour is upsampled here like the CPU path.
 */
export class OnnxRenderStage implements RenderStage {
  readonly name = 'onnx-dense-graph';
  readonly untrained = false;
  private readonly sessions = new Map<string, Promise<CheckedSession>>();
  private working: Float32Array | null = null;
  private readonly dir = new Float64Array(3);
  private readonly cam = new Float64Array(CAMERA_PREPARED_FLOATS);
  private output = new Uint8Array(0);
  private readonly scratch = createUpsampleScratch();

  constructor(
    readonly executionProvider: ExecutionProvider,
    private readonly log: Logger,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions = {},
  ) {}

  private session(resolution: number, channels: number, preset: QualityPreset): Promise<CheckedSession> {
    const key = `${resolution}/${channels}/${preset.coarseSamples}/${preset.fineSamples}`;
    let s = this.sessions.get(key);
    if (!s) {
      const graph = buildStraightforwardGraph(
        resolution,
        channels,
        marchSettings(1, 1, preset.coarseSamples, preset.fineSamples),
      );
      s = CheckedSession.create(
        graph,
        this.executionProvider,
        `straightforward renderer ${key}`,
        { inputs: Object.values(STRAIGHTFORWARD_INPUTS), outputs: [STRAIGHTFORWARD_OUTPUT] },
        this.log,
        this.sessionOptions,
      );
      this.sessions.set(key, s);
    }
    return s;
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
    const preset = presetFor(request.quality, views);
    const grid = rayGridFor(preset, request.tileWidth, request.tileHeight);
    const perView = grid.width * grid.height;
    const origins = new Float32Array(views * perView * 3);
    const dirs = new Float32Array(views * perView * 3);
    request.cameras.forEach((cam25, v) => {
      assertRenderableCamera(cam25, `camera ${v}`);
      prepareCamera(cam25, this.cam);
      for (let row = 0; row < grid.height; row++) {
        for (let col = 0; col < grid.width; col++) {
          const k = (v * perView + row * grid.width + col) * 3;
          rayDirection(this.cam, 0, grid.width, grid.height, row, col, this.dir);
          for (let a = 0; a < 3; a++) {
            origins[k + a] = this.cam[CAM_OX + a] as number;
            dirs[k + a] = this.dir[a] as number;
          }
        }
      }
    });
    const session = await this.session(t.resolution, t.channels, preset);
    const out = await session.run({
      [STRAIGHTFORWARD_INPUTS.planes]: new ort.Tensor('float32', planes, [
        TRIPLANE_PLANES,
        t.channels,
        t.resolution,
        t.resolution,
      ]),
      [STRAIGHTFORWARD_INPUTS.origins]: new ort.Tensor('float32', origins, [views * perView, 3]),
      [STRAIGHTFORWARD_INPUTS.dirs]: new ort.Tensor('float32', dirs, [views * perView, 3]),
    });
    const rgba = out[STRAIGHTFORWARD_OUTPUT]?.data as Float32Array;
    if (this.output.length < width * height * 4) this.output = new Uint8Array(width * height * 4);
    const pixels = this.output.subarray(0, width * height * 4);
    const pixels32 = new Uint32Array(pixels.buffer, pixels.byteOffset, width * height);
    const tiles = quiltTileOrigins({ cols, rows });
    for (let v = 0; v < views; v++) {
      const tile = tiles[v]!;
      upsampleIntoTile(
        rgba,
        v * perView * 4,
        grid.width,
        grid.height,
        pixels32,
        width,
        tile,
        request.tileWidth,
        request.tileHeight,
        this.scratch,
      );
    }
    return {
      pixels,
      width,
      height,
      views,
      rays: {
        width: grid.width,
        height: grid.height,
        coarseSamples: preset.coarseSamples,
        fineSamples: preset.fineSamples,
      },
      decodedSamples: views * perView * (preset.coarseSamples + preset.fineSamples),
      ms: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
