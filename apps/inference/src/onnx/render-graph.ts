import {
  BOX_WARP,
  COLOR_SCALE,
  COLOR_SHIFT,
  DENSITY_ACTIVATION_BIAS,
  IMPORTANCE_WEIGHT_FLOOR,
  PDF_EPS,
  TRANSMITTANCE_EPS,
} from '../render/eg3d';
import { PLANE_AXES } from '../triplane/layout';
import type { GraphBuilder } from './graph';

/**
 * EG3D's ImportanceRenderer written out as a plain ONNX graph (the "straightforward" way):
 * every ray gets S coarse samples, each decoded from three GridSample lookups of every
 * channel and the decoder MLP; MipRayMarcher2 compositing; importance sampling with
 * deterministic u (searchsorted as a comparison count); N fine samples decoded the same way;
 * coarse and fine merged by a full sort (TopK) and composited again. Nothing is skipped.
 *
 * The decoder is pluggable: the analytic decoder (exact weights, 4 outputs: raw density and
 * RGB logits) for the baseline the fast renderer is measured against, or an EG3D-size
 * OSGDecoder (C -> 64 softplus -> 1 + F) for the untrained neural render graph.
 */
export interface Decoder {
  /** Composited channels per ray (3 for RGB, 32 for EG3D features). */
  colorChannels: number;
  /** feat [rays, K, C] -> raw density [rays, K] and colour/features [rays, K, colorChannels]. */
  apply(g: GraphBuilder, feat: string): { raw: string; color: string };
}

export interface RenderGraphOptions {
  coarseSamples: number;
  fineSamples: number;
  rayStart: number;
  rayEnd: number;
}

/**
 * Adds the renderer to `g`. `planes` is [3, C, R, R]; `origins` and `dirs` are [rays, 3].
 * Returns [rays, colorChannels + 1]: premultiplied colour then opacity (black background).
 */
export function addVolumeRenderer(
  g: GraphBuilder,
  planes: string,
  origins: string,
  dirs: string,
  decoder: Decoder,
  o: RenderGraphOptions,
): string {
  const S = o.coarseSamples;
  const N = o.fineSamples;
  const coarse = Array.from({ length: S }, (_, i) => o.rayStart + ((o.rayEnd - o.rayStart) * i) / (S - 1));
  const tCoarse = g.floats(coarse, [1, S], 'coarse_depths');
  const planeInputs = [0, 1, 2].map((p) => g.slice(planes, [p], [p + 1], [0])); // [1, C, R, R]
  const oU = g.unsqueeze(origins, [1]); // [rays, 1, 3]
  const dU = g.unsqueeze(dirs, [1]);
  const gridScale = g.scalar(2 / BOX_WARP);

  const evaluate = (depths: string) => {
    const pts = g.add(oU, g.mul(dU, g.unsqueeze(depths, [2]))); // [rays, K, 3]
    let sum: string | null = null;
    for (let p = 0; p < 3; p++) {
      const [ua, va] = PLANE_AXES[p]!;
      const uv = g.op('Gather', [pts, g.int64s([ua, va])], { axis: { int: 2 } }); // [rays, K, 2]
      const grid = g.unsqueeze(g.mul(uv, gridScale), [0]); // [1, rays, K, 2]
      const sampled = g.op('GridSample', [planeInputs[p]!, grid], {
        align_corners: { int: 0 },
        mode: { string: 'bilinear' },
        padding_mode: { string: 'zeros' },
      }); // [1, C, rays, K]
      sum = sum === null ? sampled : g.add(sum, sampled);
    }
    const feat = g.transpose(g.squeeze(sum as string, [0]), [1, 2, 0]); // [rays, K, C]
    return decoder.apply(g, feat);
  };

  const march = (depths: string, raw: string, color: string) => {
    const dNext = g.slice(depths, [1], [2 ** 30], [1]);
    const dPrev = g.slice(depths, [0], [-1], [1]);
    const delta = g.sub(dNext, dPrev);
    const half = g.scalar(0.5);
    const rawMid = g.mul(g.add(g.slice(raw, [0], [-1], [1]), g.slice(raw, [1], [2 ** 30], [1])), half);
    const density = g.op('Softplus', [g.add(rawMid, g.scalar(DENSITY_ACTIVATION_BIAS))]);
    const alpha = g.sub(g.scalar(1), g.op('Exp', [g.op('Neg', [g.mul(density, delta)])]));
    const logKeep = g.op('Log', [g.add(g.sub(g.scalar(1), alpha), g.scalar(TRANSMITTANCE_EPS))]);
    const transmittance = g.op('Exp', [g.op('CumSum', [logKeep, g.int64s([1], [])], { exclusive: { int: 1 } })]);
    const weights = g.mul(alpha, transmittance); // [rays, K-1]
    const colorMid = g.mul(g.add(g.slice(color, [0], [-1], [1]), g.slice(color, [1], [2 ** 30], [1])), half); // [rays, K-1, F]
    const composite = g.reduceSum(g.mul(g.unsqueeze(weights, [2]), colorMid), [1], false); // [rays, F]
    const opacity = g.reduceSum(weights, [1], true); // [rays, 1]
    return { weights, out: g.concat([composite, opacity], 1) };
  };

  const c = evaluate(tCoarse);
  if (N === 0) return march(tCoarse, c.raw, c.color).out;
  const { weights } = march(tCoarse, c.raw, c.color);

  // sample_importance: max_pool1d(2, 1, pad 1) -> avg_pool1d(2, 1) -> + floor -> [1:-1] -> pdf.
  const w3 = g.unsqueeze(weights, [1]); // [rays, 1, S-1]
  const pooledMax = g.op('MaxPool', [w3], {
    kernel_shape: { ints: [2] },
    strides: { ints: [1] },
    pads: { ints: [1, 1] },
  });
  const pooled = g.op('AveragePool', [pooledMax], { kernel_shape: { ints: [2] }, strides: { ints: [1] } });
  const floored = g.add(g.squeeze(pooled, [1]), g.scalar(IMPORTANCE_WEIGHT_FLOOR)); // [rays, S-1]
  const pdfW = g.add(g.slice(floored, [1], [-1], [1]), g.scalar(PDF_EPS)); // [rays, S-3]
  const pdf = g.div(pdfW, g.reduceSum(pdfW, [1], true));
  const cdfTail = g.op('CumSum', [pdf, g.int64s([1], [])]);
  const cdf = g.op('Pad', [cdfTail, g.int64s([0, 1, 0, 0]), g.scalar(0)], { mode: { string: 'constant' } }); // [rays, S-2]
  const u = Array.from({ length: N }, (_, j) => (N === 1 ? 0 : j / (N - 1)));
  const uConst = g.floats(u, [1, N, 1], 'u');
  // searchsorted(cdf, u, right=True) = number of cdf entries <= u.
  const le = g.op('LessOrEqual', [g.unsqueeze(cdf, [1]), uConst]); // [rays, N, S-2]
  const inds = g.reduceSum(g.op('Cast', [le], { to: { int: 7 } }), [2], false); // [rays, N] int64
  const below = g.op('Max', [g.sub(inds, g.int64s([1], [])), g.int64s([0], [])]);
  const above = g.op('Min', [inds, g.int64s([S - 3], [])]);
  const cdfBelow = g.op('GatherElements', [cdf, below], { axis: { int: 1 } });
  const cdfAbove = g.op('GatherElements', [cdf, above], { axis: { int: 1 } });
  const bins = g.floats(
    coarse.slice(0, -1).map((t, i) => 0.5 * (t + coarse[i + 1]!)),
    [S - 1],
    'bins',
  );
  const binBelow = g.op('Gather', [bins, below], { axis: { int: 0 } });
  const binAbove = g.op('Gather', [bins, above], { axis: { int: 0 } });
  const rawDenom = g.sub(cdfAbove, cdfBelow);
  const denom = g.op('Where', [g.op('Less', [rawDenom, g.scalar(PDF_EPS)]), g.scalar(1), rawDenom]);
  const uFlat = g.floats(u, [1, N], 'u_flat');
  const tFine = g.add(binBelow, g.mul(g.div(g.sub(uFlat, cdfBelow), denom), g.sub(binAbove, binBelow))); // [rays, N]

  const f = evaluate(tFine);
  // unify_samples: concatenate, sort by depth, gather everything in that order.
  const tCoarseRays = g.op('Expand', [tCoarse, g.op('Shape', [c.raw])]);
  const allDepths = g.concat([tCoarseRays, tFine], 1);
  const [sortedDepths, order] = g.opMulti(
    'TopK',
    [allDepths, g.int64s([S + N])],
    { axis: { int: 1 }, largest: { int: 0 }, sorted: { int: 1 } },
    2,
  ) as [string, string];
  const allRaw = g.op('GatherElements', [g.concat([c.raw, f.raw], 1), order], { axis: { int: 1 } });
  const allColor = g.concat([c.color, f.color], 1); // [rays, S+N, F]
  const order3 = g.op('Expand', [g.unsqueeze(order, [2]), g.op('Shape', [allColor])]);
  const sortedColor = g.op('GatherElements', [allColor, order3], { axis: { int: 1 } });
  return march(sortedDepths, allRaw, sortedColor).out;
}

/** The analytic decoder (see triplane/decoder.ts) as matrices: exactly what the fast renderer computes. */
export function analyticDecoder(
  weights: { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array },
  channels: number,
  hidden: number,
): Decoder {
  return {
    colorChannels: 3,
    apply(g, feat) {
      const h = g.op('Relu', [
        g.add(
          g.matmul(feat, g.floats(weights.w1, [channels, hidden], 'dec_w1')),
          g.floats(weights.b1, [hidden], 'dec_b1'),
        ),
      ]);
      const out = g.add(g.matmul(h, g.floats(weights.w2, [hidden, 4], 'dec_w2')), g.floats(weights.b2, [4], 'dec_b2'));
      const raw = g.squeeze(g.slice(out, [0], [1], [2]), [2]);
      const logits = g.slice(out, [1], [4], [2]);
      const color = g.add(g.mul(g.op('Sigmoid', [logits]), g.scalar(COLOR_SCALE)), g.scalar(COLOR_SHIFT));
      return { raw, color };
    },
  };
}

/**
 * EG3D's RaySampler in the graph: cameras [V, 25] -> ray origins and unit directions
 * [V * height * width, 3], view-major then row-major (pixel (i, j) looks through
 * ((j + 0.5) / width, (i + 0.5) / height); skew is ignored, EG3D cameras have none).
 */
export function addCameraRays(
  g: GraphBuilder,
  cameras: string,
  width: number,
  height: number,
): { origins: string; dirs: string } {
  const px = new Float32Array(width * height);
  const py = new Float32Array(width * height);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      px[i * width + j] = (j + 0.5) / width;
      py[i * width + j] = (i + 0.5) / height;
    }
  }
  const col = (k: number) => g.op('Gather', [cameras, g.int64s([k])], { axis: { int: 1 } }); // [V, 1]
  const xl = g.div(g.sub(g.floats(px, [1, width * height]), col(18)), col(16));
  const yl = g.div(g.sub(g.floats(py, [1, width * height]), col(21)), col(20));
  const ones = g.add(g.mul(xl, g.scalar(0)), g.scalar(1));
  const camPts = g.concat([g.unsqueeze(xl, [2]), g.unsqueeze(yl, [2]), g.unsqueeze(ones, [2])], 2); // [V, P, 3]
  const rot = g.reshape(
    g.op('Gather', [cameras, g.int64s([0, 1, 2, 4, 5, 6, 8, 9, 10])], { axis: { int: 1 } }),
    [-1, 3, 3],
  );
  const dirsRaw = g.matmul(camPts, g.transpose(rot, [0, 2, 1]));
  const norm = g.op('Sqrt', [g.reduceSum(g.mul(dirsRaw, dirsRaw), [2], true)]);
  const dirs = g.reshape(g.div(dirsRaw, norm), [-1, 3]);
  const origin = g.unsqueeze(g.op('Gather', [cameras, g.int64s([3, 7, 11])], { axis: { int: 1 } }), [1]); // [V, 1, 3]
  const origins = g.reshape(g.op('Expand', [origin, g.op('Shape', [dirsRaw])]), [-1, 3]);
  return { origins, dirs };
}
