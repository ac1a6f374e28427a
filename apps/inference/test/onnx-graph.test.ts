import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log';
import { probeProvider } from '../src/onnx/execution-providers';
import { CheckedSession } from '../src/onnx/session';
import { buildStraightforwardGraph } from '../src/onnx/straightforward-graph';
import { CpuRenderStage } from '../src/render/cpu-render-stage';
import { marchSettings } from '../src/render/march-settings';
import { OnnxRenderStage } from '../src/render/onnx-render-stage';
import { rayGrid } from '../src/render/rays';
import { renderReference } from '../src/render/reference-renderer';
import { RenderPool } from '../src/render/render-pool';
import { analyticDecoderWeights } from '../src/triplane/decoder';
import { createSyntheticHead } from '../src/triplane/synthetic-head';
import { orbit } from './support/triplane-scenes';

const silent = createLogger({}, 'silent');

describe('straightforward ONNX renderer graph', () => {
  it('matches the literal TypeScript reference', async () => {
    const t = createSyntheticHead(32);
    const s = marchSettings(10, 10, 12, 12);
    const cam = orbit(0.7, -0.2);
    const ref = renderReference(t, analyticDecoderWeights(), cam, s);
    const session = await ort.InferenceSession.create(buildStraightforwardGraph(32, 32, s));
    const { origins, directions } = rayGrid(cam, 10, 10);
    const out = await session.run({
      planes: new ort.Tensor('float32', t.data, [3, 32, 32, 32]),
      ray_origins: new ort.Tensor('float32', origins, [100, 3]),
      ray_dirs: new ort.Tensor('float32', directions, [100, 3]),
    });
    const rgba = out.rgba!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < 100; i++)
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(rgba[i * 4 + c]! - ref[i * 3 + c]!));
    expect(worst).toBeLessThan(1e-4);
    expect(Math.max(...ref)).toBeGreaterThan(0.3);
    await session.release();
  });

  it('renders through the ONNX stage like the sparse CPU stage (same pixels within rounding)', async () => {
    const t = createSyntheticHead(32);
    const request = {
      cameras: [orbit(0.2), orbit(-0.3)],
      layout: { kind: 'quilt', cols: 2, rows: 1 } as const,
      tileWidth: 40,
      tileHeight: 40,
      quality: 'interactive' as const,
    };
    const onnx = new OnnxRenderStage('cpu', silent);
    const dense = (await onnx.render(await onnx.prepare(t), null, request)).pixels.slice();
    // The graph is the old path (the ray grid bilinearly upsampled): compare it with that, not the detail pass.
    const cpu = new CpuRenderStage(await RenderPool.start(0), { detail: false });
    const sparse = (await cpu.render(await cpu.prepare(t), null, request)).pixels;
    let worst = 0;
    for (let i = 0; i < dense.length; i++) worst = Math.max(worst, Math.abs(dense[i]! - sparse[i]!));
    expect(worst).toBeLessThanOrEqual(2);
    await onnx.close();
    await cpu.close();
  });

  it('refuses a model whose IO names differ from the contract', async () => {
    const graph = buildStraightforwardGraph(8, 32, marchSettings(1, 1, 8, 8));
    await expect(
      CheckedSession.create(graph, 'cpu', 'test', { inputs: ['triplane'], outputs: ['rgba'] }, silent),
    ).rejects.toMatchObject({ code: 'model_contract' });
  });

  it('reports an unavailable execution provider instead of crashing', async () => {
    // No CUDA provider libraries ship with onnxruntime-node: the probe must fail with a reason.
    const reason = await probeProvider('cuda');
    expect(typeof reason).toBe('string');
    expect(await probeProvider('cpu')).toBeNull();
  });
});

describe('camera rays in the graph', () => {
  it('match the TypeScript ray generator for several cameras', async () => {
    const { DataType, GraphBuilder } = await import('../src/onnx/graph');
    const { addCameraRays } = await import('../src/onnx/render-graph');
    const g = new GraphBuilder('rays');
    const cams = g.input('cameras', DataType.float, ['views', 25]);
    const { origins, dirs } = addCameraRays(g, cams, 6, 4);
    g.output(origins, 'o', DataType.float, ['rays', 3]);
    g.output(dirs, 'd', DataType.float, ['rays', 3]);
    const session = await ort.InferenceSession.create(g.toModelBytes({ producer: 'test', doc: '' }));
    const views = [orbit(0.4, 0.1), orbit(-2, -0.3)];
    const flat = new Float32Array(50);
    for (const [i, c] of views.entries()) flat.set(c, i * 25);
    const out = await session.run({ cameras: new ort.Tensor('float32', flat, [2, 25]) });
    const o = out.o!.data as Float32Array;
    const d = out.d!.data as Float32Array;
    views.forEach((cam, v) => {
      const ref = rayGrid(cam, 6, 4);
      for (let k = 0; k < 24 * 3; k++) {
        expect(o[v * 72 + k]).toBeCloseTo(ref.origins[k]!, 5);
        expect(d[v * 72 + k]).toBeCloseTo(ref.directions[k]!, 5);
      }
    });
    await session.release();
  });
});
