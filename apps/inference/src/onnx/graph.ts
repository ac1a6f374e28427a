import { ProtoWriter } from './protobuf-writer';

/**
 * A small builder for ONNX graphs in TypeScript: named values, initializers, nodes with
 * typed attributes, symbolic or fixed dimensions, model metadata. `toModelBytes()` writes
 * an ONNX ModelProto (IR version 8, default-domain opset OPSET) that onnxruntime loads.
 */
export const OPSET = 17;
const IR_VERSION = 8;

export const DataType = { float: 1, uint8: 2, int32: 6, int64: 7, bool: 9 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export type Dim = number | string;

export type Attr =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, Attr>;
}

interface TensorDef {
  name: string;
  dtype: DataType;
  dims: number[];
  raw: Uint8Array;
}

interface ValueInfo {
  name: string;
  dtype: DataType;
  shape: Dim[];
}

export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly initializers: TensorDef[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;
  /** Bytes held by initializers (the model's weights). */
  weightBytes = 0;

  constructor(readonly name: string) {}

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, dtype: DataType, shape: Dim[]): string {
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  output(value: string, name: string, dtype: DataType, shape: Dim[]): void {
    this.op('Identity', [value], {}, [name]);
    this.outputs.push({ name, dtype, shape });
  }

  floats(values: ArrayLike<number>, dims: number[], prefix = 'const'): string {
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.initializer(prefix, DataType.float, dims, new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  }

  scalar(value: number): string {
    return this.floats([value], []);
  }

  int64s(values: readonly number[], dims: number[] = [values.length], prefix = 'const'): string {
    const a = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.initializer(prefix, DataType.int64, dims, new Uint8Array(a.buffer));
  }

  private initializer(prefix: string, dtype: DataType, dims: number[], raw: Uint8Array): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, dtype, dims, raw });
    this.weightBytes += raw.length;
    return name;
  }

  /** Adds a node; returns its single output (or all outputs when `outputs` names several). */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs?: string[]): string {
    return this.opMulti(op, inputs, attrs, outputs ?? [this.fresh(op.toLowerCase())])[0] as string;
  }

  opMulti(op: string, inputs: string[], attrs: Record<string, Attr>, outputs: string[] | number): string[] {
    const outs =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : outputs;
    this.nodes.push({ op, inputs, outputs: outs, name: this.fresh(`n_${op}`), attrs });
    return outs;
  }

  // Shorthands for the ops the renderer graphs use most.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.int64s(axes)]);
  }
  squeeze(x: string, axes: number[]): string {
    return this.op('Squeeze', [x, this.int64s(axes)]);
  }
  slice(x: string, starts: number[], ends: number[], axes: number[]): string {
    return this.op('Slice', [x, this.int64s(starts), this.int64s(ends), this.int64s(axes)]);
  }
  concat(xs: string[], axis: number): string {
    return this.op('Concat', xs, { axis: { int: axis } });
  }
  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    return this.op('ReduceSum', [x, this.int64s(axes)], { keepdims: { int: keepdims ? 1 : 0 } });
  }
  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.int64s(shape)]);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm: { ints: perm } });
  }

  toModelBytes(meta: { producer: string; doc: string; metadata?: Record<string, string> }): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, IR_VERSION);
    w.string(2, meta.producer);
    w.string(3, '1');
    w.string(6, meta.doc);
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => {
      o.string(1, '');
      o.int(2, OPSET);
    });
    for (const [key, value] of Object.entries(meta.metadata ?? {})) {
      w.message(14, (e) => {
        e.string(1, key);
        e.string(2, value);
      });
    }
    return w.finish();
  }

  private writeGraph(g: ProtoWriter): void {
    for (const n of this.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.op);
        for (const [name, attr] of Object.entries(n.attrs)) nw.message(5, (aw) => writeAttr(aw, name, attr));
      });
    }
    g.string(2, this.name);
    for (const t of this.initializers) {
      g.message(5, (tw) => {
        if (t.dims.length > 0) tw.packedInts(1, t.dims);
        tw.int(2, t.dtype);
        tw.string(8, t.name);
        tw.bytes(9, t.raw);
      });
    }
    for (const v of this.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of this.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  }
}

function writeAttr(w: ProtoWriter, name: string, attr: Attr): void {
  w.string(1, name);
  // AttributeProto.type: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7.
  if ('int' in attr) w.int(3, attr.int).int(20, 2);
  else if ('float' in attr) w.float(2, attr.float).int(20, 1);
  else if ('string' in attr) w.string(4, attr.string).int(20, 3);
  else if ('ints' in attr) w.packedInts(8, attr.ints).int(20, 7);
  else w.packedFloats(7, attr.floats).int(20, 6);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dtype);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}
