import type { MarchSettings } from '../render/march-settings';
import { analyticDecoderWeights, DECODER_HIDDEN } from '../triplane/decoder';
import { DataType, GraphBuilder } from './graph';
import { addVolumeRenderer, analyticDecoder } from './render-graph';

/**
 * The baseline: the analytic-decoder tri-plane renderer as one straightforward ONNX graph
 * (GridSample + MLP over every sample, see render-graph.ts). Inputs `planes` [3, C, R, R],
 * `ray_origins` and `ray_dirs` [rays, 3] (any number of rays: views batch by concatenation);
 * output `rgba` [rays, 4], premultiplied RGB in [0, 1] and opacity.
 * Used to measure the fast renderer against, and as the GPU path (WebGPU EP) where a dense
 * graph beats sparse CPU code.
 */
export const STRAIGHTFORWARD_INPUTS = { planes: 'planes', origins: 'ray_origins', dirs: 'ray_dirs' } as const;
export const STRAIGHTFORWARD_OUTPUT = 'rgba';

export function buildStraightforwardGraph(
  resolution: number,
  channels: number,
  s: Pick<MarchSettings, 'coarseSamples' | 'fineSamples' | 'rayStart' | 'rayEnd'>,
): Uint8Array {
  const g = new GraphBuilder('straightforward_triplane_renderer');
  const planes = g.input(STRAIGHTFORWARD_INPUTS.planes, DataType.float, [3, channels, resolution, resolution]);
  const origins = g.input(STRAIGHTFORWARD_INPUTS.origins, DataType.float, ['rays', 3]);
  const dirs = g.input(STRAIGHTFORWARD_INPUTS.dirs, DataType.float, ['rays', 3]);
  const decoder = analyticDecoder(analyticDecoderWeights(channels), channels, DECODER_HIDDEN);
  const rgba = addVolumeRenderer(g, planes, origins, dirs, decoder, s);
  g.output(rgba, STRAIGHTFORWARD_OUTPUT, DataType.float, ['rays', 4]);
  return g.toModelBytes({
    producer: 'holocall-inference',
    doc: 'EG3D-style tri-plane volume renderer with the analytic decoder (no learnt weights), straightforward form.',
    metadata: {
      'holocall.kind': 'straightforward-renderer',
      'holocall.coarse_samples': String(s.coarseSamples),
      'holocall.fine_samples': String(s.fineSamples),
    },
  });
}
