import { DECODER_HIDDEN, DECODER_OUTPUTS, type DecoderWeights } from '../triplane/decoder';
import { PLANE_AXES, type Triplane } from '../triplane/layout';
import {
  BOX_WARP,
  COLOR_SCALE,
  COLOR_SHIFT,
  DENSITY_ACTIVATION_BIAS,
  IMPORTANCE_WEIGHT_FLOOR,
  PDF_EPS,
  TRANSMITTANCE_EPS,
} from './eg3d';
import type { MarchSettings } from './march-settings';
import { rayGrid } from './rays';

/**
 * A slow, literal transcription of EG3D's ImportanceRenderer for one view: every sample is
 * evaluated (all channels, GridSample with zero padding, the decoder MLP as matrices),
 * MipRayMarcher2 compositing, sample_importance / sample_pdf with deterministic u, and
 * unify_samples by sorting. It exists to check the fast renderer and the ONNX graph against.
 * Returns RGB in [0, 1] (EG3D's composite before its `* 2 - 1`), `[height][width][3]`.
 */
export function renderReference(
  triplane: Triplane,
  decoder: DecoderWeights,
  cam25: ArrayLike<number>,
  s: MarchSettings,
): Float32Array {
  const { origins, directions } = rayGrid(cam25, s.width, s.height);
  const out = new Float32Array(s.width * s.height * 3);
  const S = s.coarseSamples;
  const coarse = linspace(s.rayStart, s.rayEnd, S);
  for (let r = 0; r < s.width * s.height; r++) {
    const o = [origins[r * 3], origins[r * 3 + 1], origins[r * 3 + 2]] as number[];
    const d = [directions[r * 3], directions[r * 3 + 1], directions[r * 3 + 2]] as number[];
    const evalAt = (t: number) =>
      decodePoint(triplane, decoder, [o[0]! + t * d[0]!, o[1]! + t * d[1]!, o[2]! + t * d[2]!]);
    const coarseOut = coarse.map(evalAt);
    let depths = coarse;
    let samples = coarseOut;
    if (s.fineSamples > 0) {
      const { weights } = mipRayMarch(coarse, coarseOut);
      const fine = sampleImportance(coarse, weights, s.fineSamples);
      const fineOut = fine.map(evalAt);
      const order = [
        ...coarse.map((t, i) => ({ t, v: coarseOut[i]! })),
        ...fine.map((t, i) => ({ t, v: fineOut[i]! })),
      ];
      order.sort((a, b) => a.t - b.t);
      depths = order.map((e) => e.t);
      samples = order.map((e) => e.v);
    }
    const { rgb } = mipRayMarch(depths, samples);
    out[r * 3] = rgb[0]!;
    out[r * 3 + 1] = rgb[1]!;
    out[r * 3 + 2] = rgb[2]!;
  }
  return out;
}

interface Decoded {
  raw: number;
  rgb: [number, number, number];
}

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/** torch.nn.functional.grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False) at one point. */
export function gridSampleZeros(t: Triplane, plane: number, channel: number, gu: number, gv: number): number {
  const R = t.resolution;
  const ix = ((gu + 1) * R - 1) / 2;
  const iy = ((gv + 1) * R - 1) / 2;
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const fx = ix - x0;
  const fy = iy - y0;
  const base = (plane * t.channels + channel) * R * R;
  const tap = (x: number, y: number) => (x < 0 || y < 0 || x >= R || y >= R ? 0 : (t.data[base + y * R + x] as number));
  return (
    tap(x0, y0) * (1 - fx) * (1 - fy) +
    tap(x0 + 1, y0) * fx * (1 - fy) +
    tap(x0, y0 + 1) * (1 - fx) * fy +
    tap(x0 + 1, y0 + 1) * fx * fy
  );
}

/** Summed tri-plane feature at a world point (paper eq. 2), all channels. */
export function triplaneFeature(t: Triplane, p: readonly number[]): number[] {
  const f = new Array<number>(t.channels).fill(0);
  for (let plane = 0; plane < 3; plane++) {
    const [ua, va] = PLANE_AXES[plane]!;
    const gu = (2 / BOX_WARP) * p[ua]!;
    const gv = (2 / BOX_WARP) * p[va]!;
    for (let c = 0; c < t.channels; c++) f[c]! += gridSampleZeros(t, plane, c, gu, gv);
  }
  return f;
}

function decodePoint(t: Triplane, w: DecoderWeights, p: number[]): Decoded {
  const f = triplaneFeature(t, p);
  const hidden = new Array<number>(DECODER_HIDDEN).fill(0);
  for (let h = 0; h < DECODER_HIDDEN; h++) {
    let acc = w.b1[h]!;
    for (let c = 0; c < t.channels; c++) acc += f[c]! * w.w1[c * DECODER_HIDDEN + h]!;
    hidden[h] = Math.max(0, acc);
  }
  const out = new Array<number>(DECODER_OUTPUTS).fill(0);
  for (let o = 0; o < DECODER_OUTPUTS; o++) {
    let acc = w.b2[o]!;
    for (let h = 0; h < DECODER_HIDDEN; h++) acc += hidden[h]! * w.w2[h * DECODER_OUTPUTS + o]!;
    out[o] = acc;
  }
  const sig = (x: number) => (1 / (1 + Math.exp(-x))) * COLOR_SCALE + COLOR_SHIFT;
  return { raw: out[0]!, rgb: [sig(out[1]!), sig(out[2]!), sig(out[3]!)] };
}

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** EG3D MipRayMarcher2 with clamp_mode 'softplus' and no white background. */
function mipRayMarch(depths: number[], s: Decoded[]): { rgb: number[]; weights: number[] } {
  const weights: number[] = [];
  const rgb = [0, 0, 0];
  let transmittance = 1;
  for (let i = 0; i < depths.length - 1; i++) {
    const delta = depths[i + 1]! - depths[i]!;
    const densityMid = softplus((s[i]!.raw + s[i + 1]!.raw) / 2 + DENSITY_ACTIVATION_BIAS);
    const alpha = 1 - Math.exp(-densityMid * delta);
    const w = alpha * transmittance;
    transmittance *= 1 - alpha + TRANSMITTANCE_EPS;
    weights.push(w);
    for (let c = 0; c < 3; c++) rgb[c]! += (w * (s[i]!.rgb[c]! + s[i + 1]!.rgb[c]!)) / 2;
  }
  return { rgb, weights };
}

/** EG3D sample_importance + sample_pdf(det=True). `weights` has depths.length - 1 entries. */
export function sampleImportance(depths: number[], weights: number[], n: number): number[] {
  const S = depths.length;
  // max_pool1d(kernel 2, stride 1, padding 1) then avg_pool1d(kernel 2, stride 1), + floor.
  const pooledMax = Array.from({ length: S }, (_, j) => Math.max(weights[j - 1] ?? -Infinity, weights[j] ?? -Infinity));
  const pooled = Array.from(
    { length: S - 1 },
    (_, j) => (pooledMax[j]! + pooledMax[j + 1]!) / 2 + IMPORTANCE_WEIGHT_FLOOR,
  );
  const bins = Array.from({ length: S - 1 }, (_, j) => (depths[j]! + depths[j + 1]!) / 2);
  const w = pooled.slice(1, -1).map((x) => x + PDF_EPS);
  const total = w.reduce((a, b) => a + b, 0);
  const cdf = [0];
  for (const x of w) cdf.push(cdf[cdf.length - 1]! + x / total);
  const last = w.length; // N_samples_ in EG3D: the largest index "above" may take
  const u = linspace(0, 1, n);
  return u.map((uj) => {
    let inds = 0;
    while (inds < cdf.length && cdf[inds]! <= uj) inds++; // searchsorted(right=True)
    const below = Math.max(inds - 1, 0);
    const above = Math.min(inds, last);
    let denom = cdf[above]! - cdf[below]!;
    if (denom < PDF_EPS) denom = 1;
    return bins[below]! + ((uj - cdf[below]!) / denom) * (bins[above]! - bins[below]!);
  });
}
