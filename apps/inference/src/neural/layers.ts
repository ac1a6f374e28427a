import type { GraphBuilder } from '../onnx/graph';

/**
 * Layers for the UNTRAINED architecture-size graphs: the shapes and operator counts of the
 * real networks with generated weights, so their speed and memory can be measured honestly.
 * Weights come from a seeded generator (uniform with He-style scale): deterministic, and
 * meaningless as a model.
 */
export class WeightSource {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }

  /** `n` values uniform in [-scale, scale]. */
  uniform(n: number, scale: number): Float32Array {
    const out = new Float32Array(n);
    let s = this.s;
    for (let i = 0; i < n; i++) {
      // xorshift32
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
    }
    this.s = s >>> 0 || 1;
    return out;
  }

  /** He-style weights for a layer with `fanIn` inputs (uniform with the same variance as N(0, 2/fanIn)). */
  he(n: number, fanIn: number): Float32Array {
    return this.uniform(n, Math.sqrt(6 / fanIn));
  }
}

export interface ConvOptions {
  stride?: number;
  /** Defaults to k / 2 (same size for odd kernels at stride 1). */
  pad?: number;
  group?: number;
}

export function conv2d(
  g: GraphBuilder,
  w: WeightSource,
  x: string,
  cin: number,
  cout: number,
  k: number,
  o: ConvOptions = {},
): string {
  const group = o.group ?? 1;
  const pad = o.pad ?? Math.floor(k / 2);
  const fanIn = (cin / group) * k * k;
  const weight = g.floats(w.he(cout * (cin / group) * k * k, fanIn), [cout, cin / group, k, k], 'conv_w');
  const bias = g.floats(new Float32Array(cout), [cout], 'conv_b');
  return g.op('Conv', [x, weight, bias], {
    kernel_shape: { ints: [k, k] },
    strides: { ints: [o.stride ?? 1, o.stride ?? 1] },
    pads: { ints: [pad, pad, pad, pad] },
    group: { int: group },
  });
}

export function relu(g: GraphBuilder, x: string): string {
  return g.op('Relu', [x]);
}

export function leakyRelu(g: GraphBuilder, x: string, alpha = 0.2): string {
  return g.op('LeakyRelu', [x], { alpha: { float: alpha } });
}

/** GELU as x * 0.5 * (1 + erf(x / sqrt 2)) (opset 17 has no Gelu op). */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.mul(x, g.scalar(Math.SQRT1_2))]);
  return g.mul(g.mul(x, g.scalar(0.5)), g.add(erf, g.scalar(1)));
}

/** Bilinear 2x upsampling of an NCHW tensor. */
export function upsample2x(g: GraphBuilder, x: string): string {
  const roi = g.floats([], [0], 'roi');
  const scales = g.floats([1, 1, 2, 2], [4], 'scales');
  return g.op('Resize', [x, roi, scales], {
    mode: { string: 'linear' },
    coordinate_transformation_mode: { string: 'half_pixel' },
  });
}

export function linear(g: GraphBuilder, w: WeightSource, x: string, din: number, dout: number): string {
  const weight = g.floats(w.uniform(din * dout, Math.sqrt(3 / din)), [din, dout], 'fc_w');
  const bias = g.floats(new Float32Array(dout), [dout], 'fc_b');
  return g.add(g.matmul(x, weight), bias);
}

export function layerNorm(g: GraphBuilder, x: string, dim: number): string {
  const scale = g.floats(new Float32Array(dim).fill(1), [dim], 'ln_g');
  const bias = g.floats(new Float32Array(dim), [dim], 'ln_b');
  return g.op('LayerNormalization', [x, scale, bias], { axis: { int: -1 }, epsilon: { float: 1e-6 } });
}

/**
 * A SegFormer block (efficient self-attention with sr_ratio 1, Mix-FFN with a depthwise 3x3
 * conv) over tokens [1, N, dim] laid out as an h x w map.
 */
export function segformerBlock(
  g: GraphBuilder,
  w: WeightSource,
  tokens: string,
  dim: number,
  heads: number,
  mlpRatio: number,
  h: number,
  wd: number,
): string {
  const n = h * wd;
  const headDim = dim / heads;
  // Attention.
  const x1 = layerNorm(g, tokens, dim);
  const split = (t: string) => g.transpose(g.reshape(t, [1, n, heads, headDim]), [0, 2, 1, 3]); // [1, heads, N, hd]
  const q = split(linear(g, w, x1, dim, dim));
  const k = split(linear(g, w, x1, dim, dim));
  const v = split(linear(g, w, x1, dim, dim));
  const scores = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), g.scalar(1 / Math.sqrt(headDim)));
  const attn = g.op('Softmax', [scores], { axis: { int: -1 } });
  const ctx = g.reshape(g.transpose(g.matmul(attn, v), [0, 2, 1, 3]), [1, n, dim]);
  const afterAttn = g.add(tokens, linear(g, w, ctx, dim, dim));
  // Mix-FFN.
  const hidden = dim * mlpRatio;
  const x2 = linear(g, w, layerNorm(g, afterAttn, dim), dim, hidden);
  const map = g.reshape(g.transpose(x2, [0, 2, 1]), [1, hidden, h, wd]);
  const dw = conv2d(g, w, map, hidden, hidden, 3, { group: hidden });
  const back = g.transpose(g.reshape(dw, [1, hidden, n]), [0, 2, 1]);
  return g.add(afterAttn, linear(g, w, gelu(g, back), hidden, dim));
}
