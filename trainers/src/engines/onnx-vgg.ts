// Builds an ONNX ModelProto for the VGG16 conv base up to a cut layer, straight from the loaded
// weights. Input/output stay NHWC (what tfjs uses) with Transposes around an NCHW body, since
// onnxruntime's CPU Conv/MaxPool are NCHW. Kernels are converted HWIO -> OIHW here.

import { layerIndex, VGG16_LAYERS } from '../model/vgg16-spec.ts';
import type { VggWeights } from '../model/weights.ts';
import { type OnnxInitializer, type OnnxNode, writeOnnxModel } from './onnx-model.ts';

function hwioToOihw(k: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  // Written sequentially, read with a stride: ~4x faster than the other way round for 14.7M weights.
  const out = new Float32Array(k.length);
  const hw = kh! * kw!;
  let j = 0;
  for (let o = 0; o < co!; o++)
    for (let i = 0; i < ci!; i++) for (let t = 0; t < hw; t++) out[j++] = k[(t * ci! + i) * co! + o]!;
  return out;
}

export const ONNX_INPUT = 'input_nhwc';
export const ONNX_OUTPUT = 'features_nhwc';

/** ModelProto bytes for layers block1_conv1..`cut` with a dynamic batch and spatial size. */
export function buildVggOnnx(w: VggWeights, cut: string): Uint8Array {
  const end = layerIndex(cut);
  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [];
  nodes.push({
    op: 'Transpose',
    name: 'to_nchw',
    inputs: [ONNX_INPUT],
    output: 'x_nchw',
    attrs: [{ name: 'perm', ints: [0, 3, 1, 2] }],
  });
  let cur = 'x_nchw';
  for (let i = 0; i <= end; i++) {
    const l = VGG16_LAYERS[i]!;
    if (l.kind === 'conv') {
      const cw = w.layers.get(l.name);
      if (!cw) throw new Error(`missing weights for ${l.name}`);
      const [kh, kw, ci, co] = cw.kernelShape;
      inits.push({ name: `${l.name}_W`, dims: [co, ci, kh, kw], data: hwioToOihw(cw.kernel, cw.kernelShape) });
      inits.push({ name: `${l.name}_B`, dims: [co], data: cw.bias });
      nodes.push({
        op: 'Conv',
        name: l.name,
        inputs: [cur, `${l.name}_W`, `${l.name}_B`],
        output: `${l.name}_conv`,
        attrs: [
          { name: 'kernel_shape', ints: [kh, kw] },
          { name: 'pads', ints: [1, 1, 1, 1] },
          { name: 'strides', ints: [1, 1] },
        ],
      });
      nodes.push({ op: 'Relu', name: `${l.name}_relu`, inputs: [`${l.name}_conv`], output: l.name });
    } else {
      nodes.push({
        op: 'MaxPool',
        name: l.name,
        inputs: [cur],
        output: l.name,
        attrs: [
          { name: 'kernel_shape', ints: [2, 2] },
          { name: 'strides', ints: [2, 2] },
        ],
      });
    }
    cur = l.name;
  }
  nodes.push({
    op: 'Transpose',
    name: 'to_nhwc',
    inputs: [cur],
    output: ONNX_OUTPUT,
    attrs: [{ name: 'perm', ints: [0, 2, 3, 1] }],
  });

  return writeOnnxModel({
    producer: 'runboard-trainer',
    name: `vgg16_to_${cut}`,
    nodes,
    initializers: inits,
    inputs: [{ name: ONNX_INPUT, dims: ['N', 'H', 'W', 3] }],
    outputs: [{ name: ONNX_OUTPUT, dims: ['N', 'OH', 'OW', 'C'] }],
  });
}
