import { readFileSync } from 'node:fs';
import { HolocallError } from '@holocall/protocol';

/**
 * A small, synchronous interpreter for TensorFlow.js graph models (model.json + weights .bin),
 * enough for the person-segmentation model the reference lift ships (selfie.json: 1x1 and 3x3
 * convolutions, depthwise convolutions, squeeze-excite pooling, bilinear upsampling, one
 * transposed convolution). Why not tfjs: the lift is synchronous CPU work in the lift worker
 * (and in tests and scripts); tfjs loads models and starts its wasm backend asynchronously, and
 * its converter is not a dependency. This runs the same graph, NHWC float32, in plain loops
 * (about 0.1 to 0.3 s for a 256² selfie pass on one core here). An op it does not know is a
 * typed error at load time, never a silent wrong answer.
 */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; i?: string; b?: boolean; list?: { i?: string[] } }>;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: string };
}

interface ModelJson {
  format: string;
  modelTopology: { node: GraphNode[] };
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
}

const SUPPORTED = new Set([
  'Const',
  'Placeholder',
  'Conv2D',
  'DepthwiseConv2dNative',
  'Conv2DBackpropInput',
  'Add',
  'AddV2',
  'AddN',
  'Mul',
  'Relu',
  'Relu6',
  'Sigmoid',
  'AvgPool',
  'ResizeBilinear',
]);

function modelError(message: string, details?: Record<string, unknown>): HolocallError {
  return new HolocallError('internal', `graph model: ${message}`, details ? { details } : undefined);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function intList(node: GraphNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}

function padding(node: GraphNode): 'SAME' | 'VALID' {
  const s = node.attr?.padding?.s;
  const p = s ? Buffer.from(s, 'base64').toString() : 'VALID';
  if (p !== 'SAME' && p !== 'VALID') throw modelError(`padding ${p} not supported`, { node: node.name });
  return p;
}

/** TF's SAME padding before the first element, for one spatial axis. */
function padBefore(inSize: number, outSize: number, k: number, stride: number): number {
  return Math.floor(Math.max((outSize - 1) * stride + k - inSize, 0) / 2);
}

function conv2d(x: Tensor, f: Tensor, node: GraphNode): Tensor {
  const [, H, W, C] = x.shape as [number, number, number, number];
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  if (ci !== C) throw modelError('conv2d channel mismatch', { node: node.name });
  const [, sy, sx] = intList(node, 'strides');
  const same = padding(node) === 'SAME';
  const OH = same ? Math.ceil(H / sy!) : Math.floor((H - kh) / sy!) + 1;
  const OW = same ? Math.ceil(W / sx!) : Math.floor((W - kw) / sx!) + 1;
  const py = same ? padBefore(H, OH, kh, sy!) : 0;
  const px = same ? padBefore(W, OW, kw, sx!) : 0;
  const out = new Float32Array(OH * OW * co);
  const xd = x.data;
  const fd = f.data;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const o = (oy * OW + ox) * co;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sy! + ky - py;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sx! + kx - px;
          if (ix < 0 || ix >= W) continue;
          const xi = (iy * W + ix) * C;
          const fk = (ky * kw + kx) * ci * co;
          for (let c = 0; c < C; c++) {
            const v = xd[xi + c]!;
            if (v === 0) continue;
            const fb = fk + c * co;
            for (let k = 0; k < co; k++) out[o + k]! += v * fd[fb + k]!;
          }
        }
      }
    }
  }
  return { shape: [1, OH, OW, co], data: out };
}

function depthwise(x: Tensor, f: Tensor, node: GraphNode): Tensor {
  const [, H, W, C] = x.shape as [number, number, number, number];
  const [kh, kw, ci, mult] = f.shape as [number, number, number, number];
  if (ci !== C || mult !== 1) throw modelError('depthwise shape not supported', { node: node.name });
  const [, sy, sx] = intList(node, 'strides');
  const same = padding(node) === 'SAME';
  const OH = same ? Math.ceil(H / sy!) : Math.floor((H - kh) / sy!) + 1;
  const OW = same ? Math.ceil(W / sx!) : Math.floor((W - kw) / sx!) + 1;
  const py = same ? padBefore(H, OH, kh, sy!) : 0;
  const px = same ? padBefore(W, OW, kw, sx!) : 0;
  const out = new Float32Array(OH * OW * C);
  const xd = x.data;
  const fd = f.data;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const o = (oy * OW + ox) * C;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sy! + ky - py;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sx! + kx - px;
          if (ix < 0 || ix >= W) continue;
          const xi = (iy * W + ix) * C;
          const fk = (ky * kw + kx) * C;
          for (let c = 0; c < C; c++) out[o + c]! += xd[xi + c]! * fd[fk + c]!;
        }
      }
    }
  }
  return { shape: [1, OH, OW, C], data: out };
}

/** Transposed convolution (the gradient of conv2d by its input): each input pixel scatters its filter. */
function conv2dTranspose(sizes: Tensor, f: Tensor, x: Tensor, node: GraphNode): Tensor {
  const [, OH, OW, OC] = Array.from(sizes.data) as [number, number, number, number];
  const [kh, kw, fo, fi] = f.shape as [number, number, number, number];
  const [, H, W, C] = x.shape as [number, number, number, number];
  if (fo !== OC || fi !== C) throw modelError('transposed conv shape mismatch', { node: node.name });
  const [, sy, sx] = intList(node, 'strides');
  const same = padding(node) === 'SAME';
  const py = same ? padBefore(OH, H, kh, sy!) : 0;
  const px = same ? padBefore(OW, W, kw, sx!) : 0;
  const out = new Float32Array(OH * OW * OC);
  for (let y = 0; y < H; y++) {
    for (let x0 = 0; x0 < W; x0++) {
      const xi = (y * W + x0) * C;
      for (let ky = 0; ky < kh; ky++) {
        const oy = y * sy! + ky - py;
        if (oy < 0 || oy >= OH) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ox = x0 * sx! + kx - px;
          if (ox < 0 || ox >= OW) continue;
          const o = (oy * OW + ox) * OC;
          const fk = (ky * kw + kx) * fo * fi;
          for (let oc = 0; oc < OC; oc++) {
            let s = 0;
            for (let c = 0; c < C; c++) s += x.data[xi + c]! * f.data[fk + oc * fi + c]!;
            out[o + oc]! += s;
          }
        }
      }
    }
  }
  return { shape: [1, OH, OW, OC], data: out };
}

/**
 * Elementwise a + b or a * b with numpy broadcasting (right-aligned, up to 4 dims). The model's
 * cases (same shape, a per-channel vector or a scalar against a feature map) take flat loops.
 */
function broadcast(a: Tensor, b: Tensor, mul: boolean, node: GraphNode): Tensor {
  const na = a.data.length;
  const nb = b.data.length;
  if (na < nb) return broadcast(b, a, mul, node);
  const out = new Float32Array(na);
  const x = a.data;
  const y = b.data;
  const last = a.shape[a.shape.length - 1] ?? 1;
  if (na === nb && a.shape.join() === b.shape.join()) {
    if (mul) for (let i = 0; i < na; i++) out[i] = x[i]! * y[i]!;
    else for (let i = 0; i < na; i++) out[i] = x[i]! + y[i]!;
    return { shape: a.shape, data: out };
  }
  if (nb === 1 || nb === last) {
    // b is a scalar or runs along the last axis only (bias, per-channel scale, squeeze-excite).
    const bShape = b.shape.filter((d) => d !== 1);
    if (nb === 1 || (bShape.length === 1 && bShape[0] === last)) {
      for (let i = 0; i < na; i += nb) {
        if (mul) for (let k = 0; k < nb; k++) out[i + k] = x[i + k]! * y[k]!;
        else for (let k = 0; k < nb; k++) out[i + k] = x[i + k]! + y[k]!;
      }
      return { shape: a.shape, data: out };
    }
  }
  throw modelError('broadcast case not supported', { node: node.name, a: a.shape, b: b.shape });
}

function unary(x: Tensor, fn: (v: number) => number): Tensor {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fn(x.data[i]!);
  return { shape: x.shape, data: out };
}

function avgPool(x: Tensor, node: GraphNode): Tensor {
  const [, H, W, C] = x.shape as [number, number, number, number];
  const [, kh, kw] = intList(node, 'ksize');
  const [, sy, sx] = intList(node, 'strides');
  // The model only pools globally (squeeze-excite); anything else is refused rather than guessed.
  if (kh !== H || kw !== W || padding(node) !== 'VALID' || sy !== kh || sx !== kw) {
    throw modelError('only global average pooling is supported', { node: node.name });
  }
  const out = new Float32Array(C);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[c]! += x.data[p * C + c]!;
  for (let c = 0; c < C; c++) out[c]! /= H * W;
  return { shape: [1, 1, 1, C], data: out };
}

function resizeBilinear(x: Tensor, sizeT: Tensor, node: GraphNode): Tensor {
  const [, H, W, C] = x.shape as [number, number, number, number];
  const [OH, OW] = Array.from(sizeT.data) as [number, number];
  const half = node.attr?.half_pixel_centers?.b === true;
  if (node.attr?.align_corners?.b) throw modelError('align_corners not supported', { node: node.name });
  const out = new Float32Array(OH * OW * C);
  const axis = (o: number, inSize: number, outSize: number) => {
    const scale = inSize / outSize;
    const v = half ? (o + 0.5) * scale - 0.5 : o * scale;
    const lo = Math.max(0, Math.floor(v));
    const hi = Math.min(inSize - 1, Math.ceil(v));
    return [Math.min(lo, inSize - 1), hi, v - Math.floor(v)] as const;
  };
  for (let oy = 0; oy < OH; oy++) {
    const [y0, y1, ay] = axis(oy, H, OH);
    for (let ox = 0; ox < OW; ox++) {
      const [x0, x1, ax] = axis(ox, W, OW);
      const o = (oy * OW + ox) * C;
      for (let c = 0; c < C; c++) {
        const tl = x.data[(y0 * W + x0) * C + c]!;
        const tr = x.data[(y0 * W + x1) * C + c]!;
        const bl = x.data[(y1 * W + x0) * C + c]!;
        const br = x.data[(y1 * W + x1) * C + c]!;
        const top = tl + (tr - tl) * ax;
        const bot = bl + (br - bl) * ax;
        out[o + c] = top + (bot - top) * ay;
      }
    }
  }
  return { shape: [1, OH, OW, C], data: out };
}

export class GraphModel {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly order: GraphNode[];

  private constructor(
    json: ModelJson,
    private readonly weights: Map<string, Tensor>,
    readonly inputName: string,
    readonly outputName: string,
  ) {
    for (const n of json.modelTopology.node) this.nodes.set(n.name, n);
    this.order = this.topoOrder(outputName);
  }

  /** Loads model.json and its weight files (synchronously: the lift is synchronous). */
  static load(jsonPath: string, inputName: string, outputName: string): GraphModel {
    let json: ModelJson;
    try {
      json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
    } catch (error) {
      throw modelError(`cannot read ${jsonPath}`, { error: String(error) });
    }
    if (json.format !== 'graph-model') throw modelError('not a tfjs graph model', { path: jsonPath });
    for (const n of json.modelTopology.node) {
      if (!SUPPORTED.has(n.op)) throw modelError(`op ${n.op} not supported`, { node: n.name });
    }
    const weights = new Map<string, Tensor>();
    const dir = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
    for (const group of json.weightsManifest) {
      const bytes = Buffer.concat(group.paths.map((p) => readFileSync(dir + p)));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let at = 0;
      for (const w of group.weights) {
        const n = size(w.shape);
        const data = new Float32Array(n);
        const half = w.quantization?.dtype === 'float16';
        if (w.quantization && !half) throw modelError(`quantization ${w.quantization.dtype} not supported`);
        const step = half ? 2 : 4;
        if (at + n * step > bytes.byteLength) throw modelError('weights file too short', { weight: w.name });
        for (let i = 0; i < n; i++) {
          const o = at + i * step;
          data[i] = half
            ? halfToFloat(view.getUint16(o, true))
            : w.dtype === 'int32'
              ? view.getInt32(o, true)
              : view.getFloat32(o, true);
        }
        at += n * step;
        weights.set(w.name, { shape: w.shape, data });
      }
    }
    return new GraphModel(json, weights, inputName, outputName);
  }

  private topoOrder(output: string): GraphNode[] {
    const order: GraphNode[] = [];
    const state = new Map<string, 1 | 2>();
    const visit = (name: string) => {
      if (state.get(name) === 2) return;
      if (state.get(name) === 1) throw modelError('graph has a cycle', { node: name });
      const node = this.nodes.get(name);
      if (!node) throw modelError(`unknown node ${name}`);
      state.set(name, 1);
      for (const i of node.input ?? []) if (!i.startsWith('^')) visit(i.split(':')[0]!);
      state.set(name, 2);
      order.push(node);
    };
    visit(output);
    return order;
  }

  /** Runs the graph on one NHWC input; returns the output tensor. */
  run(input: Tensor): Tensor {
    const values = new Map<string, Tensor>();
    const get = (name: string) => values.get(name.split(':')[0]!)!;
    // Free each intermediate after its last use: peak memory stays a few activations.
    const uses = new Map<string, number>();
    for (const n of this.order) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (const node of this.order) {
      const ins = (node.input ?? []).filter((i) => !i.startsWith('^')).map(get);
      let out: Tensor;
      switch (node.op) {
        case 'Const': {
          const w = this.weights.get(node.name);
          if (!w) throw modelError(`no weights for ${node.name}`);
          out = w;
          break;
        }
        case 'Placeholder':
          out = input;
          break;
        case 'Conv2D':
          out = conv2d(ins[0]!, ins[1]!, node);
          break;
        case 'DepthwiseConv2dNative':
          out = depthwise(ins[0]!, ins[1]!, node);
          break;
        case 'Conv2DBackpropInput':
          out = conv2dTranspose(ins[0]!, ins[1]!, ins[2]!, node);
          break;
        case 'Add':
        case 'AddV2':
          out = broadcast(ins[0]!, ins[1]!, false, node);
          break;
        case 'AddN':
          out = ins.slice(1).reduce((acc, t) => broadcast(acc, t, false, node), ins[0]!);
          break;
        case 'Mul':
          out = broadcast(ins[0]!, ins[1]!, true, node);
          break;
        case 'Relu':
          out = unary(ins[0]!, (v) => Math.max(v, 0));
          break;
        case 'Relu6':
          out = unary(ins[0]!, (v) => Math.min(Math.max(v, 0), 6));
          break;
        case 'Sigmoid':
          out = unary(ins[0]!, (v) => 1 / (1 + Math.exp(-v)));
          break;
        case 'AvgPool':
          out = avgPool(ins[0]!, node);
          break;
        case 'ResizeBilinear':
          out = resizeBilinear(ins[0]!, ins[1]!, node);
          break;
        default:
          throw modelError(`op ${node.op} not supported`, { node: node.name });
      }
      values.set(node.name, out);
      for (const i of node.input ?? []) {
        const left = (uses.get(i) ?? 1) - 1;
        uses.set(i, left);
        if (left === 0 && this.nodes.get(i.split(':')[0]!)?.op !== 'Const') values.delete(i.split(':')[0]!);
      }
    }
    if (input.shape.length !== 4) throw modelError('input must be NHWC');
    return get(this.outputName);
  }
}
