// Serialises a small ONNX ModelProto (one graph, opset 13) with the repo's ProtoWriter. Shared by
// the VGG16 prefix graph (onnx-vgg.ts) and the per-kernel conv graphs (ort-conv-graphs.ts).
import { ProtoWriter } from './protobuf.ts';

// onnx.proto enum values
const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type OnnxAttr = { name: string; ints: number[] } | { name: string; i: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  output: string;
  /** Defaults to the output's name. */
  name?: string;
  attrs?: OnnxAttr[];
}

/** A constant; its ONNX type follows the array (Float32Array: FLOAT, BigInt64Array: INT64). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** A float graph input or output; a string dim is symbolic (dynamic). */
export interface OnnxValue {
  name: string;
  dims: Array<number | string>;
}

export interface OnnxGraph {
  producer: string;
  name: string;
  nodes: OnnxNode[];
  initializers?: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

function writeValueInfo(w: ProtoWriter, { name, dims }: OnnxValue): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

export function writeOnnxModel(g: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version 8 (onnx 1.10+)
  model.string(2, g.producer);
  model.message(8, (op) => op.string(1, '').int(2, 13)); // opset_import: default domain, opset 13
  model.message(7, (gw) => {
    for (const n of g.nodes) {
      gw.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        nw.string(2, n.output)
          .string(3, n.name ?? n.output)
          .string(4, n.op);
        for (const a of n.attrs ?? []) {
          nw.message(5, (aw) => {
            aw.string(1, a.name);
            if ('ints' in a) {
              for (const v of a.ints) aw.int(8, v);
              aw.int(20, ATTR_INTS);
            } else aw.int(3, a.i).int(20, ATTR_INT);
          });
        }
      });
    }
    gw.string(2, g.name);
    for (const t of g.initializers ?? []) {
      gw.message(5, (tw) => {
        for (const d of t.dims) tw.int(1, d);
        tw.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
        tw.string(8, t.name);
        tw.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    for (const v of g.inputs) gw.message(11, (vi) => writeValueInfo(vi, v));
    for (const v of g.outputs) gw.message(12, (vi) => writeValueInfo(vi, v));
  });
  return model.finish();
}
