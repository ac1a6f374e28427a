import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log';
import { ensureGeneratedModels, findModel, GENERATED_MODELS_VERSION, MANIFEST } from '../src/neural/model-store';
import { NeuralRenderStage } from '../src/neural/neural-backend';
import { buildUntrainedRenderGraph } from '../src/neural/untrained-graphs';
import { buildStraightforwardGraph } from '../src/onnx/straightforward-graph';
import { marchSettings } from '../src/render/march-settings';
import { createSyntheticHead } from '../src/triplane/synthetic-head';
import { orbit } from './support/triplane-scenes';

const log = createLogger({}, 'silent');
const dir = mkdtempSync(join(tmpdir(), 'holocall-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('neural backend', () => {
  // A contract-shaped render graph at toy size (16^2 rays, 4 + 4 samples, one upsampler block).
  const tiny = buildUntrainedRenderGraph({ neuralResolution: 16, coarseSamples: 4, fineSamples: 4, upsampler: [8] });

  it('loads a generated graph as UNTRAINED and renders views into tiles', async () => {
    writeFileSync(join(dir, 'render.untrained.onnx'), tiny.bytes);
    const stage = await NeuralRenderStage.open(dir, 'cpu', log);
    expect(stage.untrained).toBe(true);
    const p = await stage.prepare(createSyntheticHead(256));
    const f = await stage.render(p, null, {
      cameras: [orbit(0), orbit(0.3)],
      layout: { kind: 'quilt', cols: 2, rows: 1 },
      tileWidth: 24,
      tileHeight: 20,
      quality: 'high',
    });
    expect([f.width, f.height]).toEqual([48, 20]);
    // Opaque output (the upsampler paints every pixel), alpha 255 everywhere.
    for (let i = 3; i < f.pixels.length; i += 4) expect(f.pixels[i]).toBe(255);
    await stage.close();
  });

  it('prefers a trained model under the contract name, and checks its IO names', async () => {
    copyFileSync(join(dir, 'render.untrained.onnx'), join(dir, 'render.onnx'));
    expect(findModel(dir, 'render')).toEqual({ path: join(dir, 'render.onnx'), untrained: false });
    const stage = await NeuralRenderStage.open(dir, 'cpu', log);
    expect(stage.untrained).toBe(false);
    await stage.close();
    // A graph with other IO names is refused with a model_contract error.
    writeFileSync(join(dir, 'render.onnx'), buildStraightforwardGraph(8, 32, marchSettings(1, 1, 4, 4)));
    await expect(NeuralRenderStage.open(dir, 'cpu', log)).rejects.toMatchObject({ code: 'model_contract' });
    rmSync(join(dir, 'render.onnx'));
  });

  it('reports a missing model as unavailable', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'holocall-empty-'));
    await expect(NeuralRenderStage.open(empty, 'cpu', log)).rejects.toMatchObject({ code: 'unavailable' });
    rmSync(empty, { recursive: true });
  });

  it('skips generation when the manifest stamp and files are current', () => {
    const files = ['render', 'reenact', 'lift'].map((s) => `${s}.untrained.onnx`);
    const manifest = {
      version: GENERATED_MODELS_VERSION,
      contract: 1,
      untrained: true,
      generatedAt: 'x',
      files: Object.fromEntries(files.map((f) => [f, { bytes: 3, weightBytes: 0 }])),
    };
    const stamped = mkdtempSync(join(tmpdir(), 'holocall-stamped-'));
    for (const f of files) writeFileSync(join(stamped, f), 'abc');
    writeFileSync(join(stamped, MANIFEST), JSON.stringify(manifest));
    expect(ensureGeneratedModels(stamped, log).generated).toEqual([]);
    rmSync(stamped, { recursive: true });
  });
});
