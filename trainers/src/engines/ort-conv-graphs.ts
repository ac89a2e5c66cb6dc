// Tiny ONNX graphs for one tfjs conv kernel each (forward, fused bias+relu, input gradient,
// filter gradient), run by onnxruntime-node in ort-conv-worker.ts. Tensors stay in tfjs layouts
// at the graph boundary (NHWC activations, HWIO filters); weights are graph INPUTS, not
// initializers, because they change every training step. Shapes are static per graph (the
// worker caches one session per key), which lets ORT plan memory once.
import { type OnnxAttr, type OnnxInitializer, type OnnxNode, writeOnnxModel } from './onnx-model.ts';

/** What the kernels know about a conv (a subset of tfjs's Conv2DInfo, always NHWC). */
export interface ConvGeom {
  n: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  co: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pad: { top: number; bottom: number; left: number; right: number };
}

export type ConvOp = 'fwd' | 'fwd_bias' | 'fwd_bias_relu' | 'fwd_relu' | 'bwd_input' | 'bwd_filter';

export interface OrtGraph {
  key: string;
  model: Uint8Array;
  inputs: Array<{ name: string; dims: number[] }>;
  output: { name: string; dims: number[] };
}

class GraphBuilder {
  nodes: OnnxNode[] = [];
  consts: OnnxInitializer[] = [];
  private seq = 0;

  add(op: string, inputs: string[], attrs?: OnnxAttr[], output = `t${this.seq++}`): string {
    this.nodes.push({ op, inputs, output, attrs });
    return output;
  }

  int64(vals: number[]): string {
    const name = `c${this.consts.length}`;
    this.consts.push({ name, dims: [vals.length], data: BigInt64Array.from(vals.map(BigInt)) });
    return name;
  }

  finish(inputs: OrtGraph['inputs'], output: OrtGraph['output']): Uint8Array {
    return writeOnnxModel({
      producer: 'runboard-ort-conv',
      name: 'conv',
      nodes: this.nodes,
      initializers: this.consts,
      inputs,
      outputs: [output],
    });
  }
}

/**
 * im2col in NHWC, inside the graph: one strided Slice of the padded input per filter tap,
 * concatenated on channels -> [N, OH, OW, FH*FW*C] whose last axis is ordered like the rows of
 * an HWIO filter reshaped to [FH*FW*C, Co]. Every conv then becomes one big MatMul/Gemm (MLAS,
 * multi-threaded) with no NCHW transposes — measured faster here than ORT's Conv on dynamic
 * (non-prepacked) weights plus the layout Transposes.
 */
function patches(b: GraphBuilder, x: string, g: ConvGeom): string {
  const { top, bottom, left, right } = g.pad;
  const xp = top || bottom || left || right ? b.add('Pad', [x, b.int64([0, top, left, 0, 0, bottom, right, 0])]) : x;
  if (
    g.fh === 1 &&
    g.fw === 1 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.oh === g.h + top + bottom &&
    g.ow === g.w + left + right
  )
    return xp;
  const axes = b.int64([1, 2]);
  const steps = b.int64([g.sh, g.sw]);
  const taps: string[] = [];
  for (let i = 0; i < g.fh; i++)
    for (let j = 0; j < g.fw; j++) {
      const y0 = i * g.dh;
      const x0 = j * g.dw;
      const ends = b.int64([y0 + (g.oh - 1) * g.sh + 1, x0 + (g.ow - 1) * g.sw + 1]);
      taps.push(b.add('Slice', [xp, b.int64([y0, x0]), ends, axes, steps]));
    }
  return taps.length === 1 ? taps[0]! : b.add('Concat', taps, [{ name: 'axis', i: 3 }]);
}

export function graphKey(op: ConvOp, g: ConvGeom): string {
  const p = g.pad;
  return `${op}:${g.n},${g.h},${g.w},${g.ci}>${g.oh},${g.ow},${g.co}:f${g.fh}x${g.fw}:s${g.sh},${g.sw}:d${g.dh},${g.dw}:p${p.top},${p.bottom},${p.left},${p.right}`;
}

/** Build the graph for one kernel call. Input names are the tfjs kernel's input names. */
export function buildConvGraph(op: ConvOp, g: ConvGeom): OrtGraph {
  const b = new GraphBuilder();
  const xDims = [g.n, g.h, g.w, g.ci];
  const wDims = [g.fh, g.fw, g.ci, g.co];
  const yDims = [g.n, g.oh, g.ow, g.co];
  const k = g.fh * g.fw * g.ci;
  let inputs: OrtGraph['inputs'];
  let outDims: number[];
  if (op === 'bwd_filter') {
    // dW[(i,j,ci), co] = sum over (n,y,x) of patches(x)[(n,y,x), (i,j,ci)] * dy[(n,y,x), co]
    inputs = [
      { name: 'x', dims: xDims },
      { name: 'dy', dims: yDims },
    ];
    const m = g.n * g.oh * g.ow;
    const p = b.add('Reshape', [patches(b, 'x', g), b.int64([m, k])]);
    const dy = b.add('Reshape', ['dy', b.int64([m, g.co])]);
    const gw = b.add('Gemm', [p, dy], [{ name: 'transA', i: 1 }]); // ORT Gemm packs A^T itself
    b.add('Reshape', [gw, b.int64(wDims)], undefined, 'out');
    outDims = wDims;
  } else if (op === 'bwd_input' && g.sh === 1 && g.sw === 1) {
    // Stride 1: dx = conv(pad(dy), rot180(W) with in/out swapped), as the forward im2col path
    // (ORT's ConvTranspose measured 226 ms vs ~85 ms for this at block 5, 20x9x9x512).
    inputs = [
      { name: 'dy', dims: yDims },
      { name: 'filter', dims: wDims },
    ];
    const taps = g.fh * g.fw;
    const wt = b.add('Reshape', [
      b.add('Transpose', ['filter'], [{ name: 'perm', ints: [0, 1, 3, 2] }]),
      b.int64([taps, g.co, g.ci]),
    ]);
    const rot = b.add('Slice', [wt, b.int64([taps - 1]), b.int64([-taps - 1]), b.int64([0]), b.int64([-1])]);
    const w2 = b.add('Reshape', [rot, b.int64([taps * g.co, g.ci])]);
    const pt = (g.fh - 1) * g.dh - g.pad.top;
    const pl = (g.fw - 1) * g.dw - g.pad.left;
    const pad = {
      top: pt,
      left: pl,
      bottom: g.h + (g.fh - 1) * g.dh - g.oh - pt,
      right: g.w + (g.fw - 1) * g.dw - g.ow - pl,
    };
    if (Math.min(pad.top, pad.left, pad.bottom, pad.right) < 0) throw new Error('bwd_input: negative padding');
    const gi: ConvGeom = { ...g, h: g.oh, w: g.ow, ci: g.co, oh: g.h, ow: g.w, co: g.ci, pad };
    b.add('MatMul', [patches(b, 'dy', gi), w2], undefined, 'out');
    outDims = xDims;
  } else if (op === 'bwd_input') {
    // ORT's ConvTranspose (gemm + col2im) handles every stride/dilation. Its weight layout
    // [C_in = Co, C_out = Ci, FH, FW] is HWIO permuted (3,2,0,1), the same as OIHW.
    inputs = [
      { name: 'dy', dims: yDims },
      { name: 'filter', dims: wDims },
    ];
    const dy = b.add('Transpose', ['dy'], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
    const wt = b.add('Transpose', ['filter'], [{ name: 'perm', ints: [3, 2, 0, 1] }]);
    const p = g.pad;
    const full = (o: number, s: number, f: number, d: number, a: number, z: number) =>
      s * (o - 1) + (f - 1) * d + 1 - a - z;
    const opH = g.h - full(g.oh, g.sh, g.fh, g.dh, p.top, p.bottom);
    const opW = g.w - full(g.ow, g.sw, g.fw, g.dw, p.left, p.right);
    if (opH < 0 || opW < 0) throw new Error('bwd_input: negative output_padding');
    const dx = b.add(
      'ConvTranspose',
      [dy, wt],
      [
        { name: 'kernel_shape', ints: [g.fh, g.fw] },
        { name: 'strides', ints: [g.sh, g.sw] },
        { name: 'dilations', ints: [g.dh, g.dw] },
        { name: 'pads', ints: [p.top, p.left, p.bottom, p.right] },
        { name: 'output_padding', ints: [opH, opW] },
      ],
    );
    b.add('Transpose', [dx], [{ name: 'perm', ints: [0, 2, 3, 1] }], 'out');
    outDims = xDims;
  } else {
    inputs = [
      { name: 'x', dims: xDims },
      { name: 'filter', dims: wDims },
    ];
    const w2 = b.add('Reshape', ['filter', b.int64([k, g.co])]);
    let y = b.add('MatMul', [patches(b, 'x', g), w2]);
    if (op === 'fwd_bias' || op === 'fwd_bias_relu') {
      inputs.push({ name: 'bias', dims: [g.co] });
      y = b.add('Add', [y, 'bias']);
    }
    if (op === 'fwd_relu' || op === 'fwd_bias_relu') y = b.add('Relu', [y]);
    b.add('Identity', [y], undefined, 'out');
    outDims = yDims;
  }
  const output = { name: 'out', dims: outDims };
  return { key: graphKey(op, g), model: b.finish(inputs, output), inputs, output };
}
