// Synchronous tfjs-wasm conv kernels backed by onnxruntime-node. tfjs-backend-wasm runs convs
// single-threaded (its threads do not start under Node); ORT's MLAS GEMM on both cores is
// several times faster (block-5 fine-tuning at 150x150: ~7 -> ~40 img/s here). tfjs kernels
// must return synchronously, so ORT runs in a worker thread (ort-conv-worker.mjs) and the main
// thread blocks in Atomics.wait for it (ort-conv-client.ts). Graphs: ort-conv-graphs.ts.
//
// Kernels wrapped: Conv2D, FusedConv2D (bias and linear/relu), Conv2DBackpropInput and
// Conv2DBackpropFilter, and the Dense products with a large weight matrix (BatchMatMul,
// _FusedMatMul; see denseGeom). The last two are computed directly on ORT rather than through the
// Conv2D rewrites in wasm-backprop-filter.ts: those run pads/transposes/gathers as
// single-threaded wasm ops around the conv, which ORT does inside its graph.
//
// Opt out with RUNBOARD_ORT_KERNELS=0. Anything unsupported (NCHW, dilation with stride, other
// fused activations, small convs below ORT_MIN_FLOPS) and any failure of the worker path falls
// back to the kernel that was registered before (wasm's own, or the shims in
// wasm-backprop-filter.ts), so training never depends on the worker.

import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { OrtConvClient } from './ort-conv-client.ts';
import type { ConvGeom, ConvOp } from './ort-conv-graphs.ts';
import { overrideWasmKernel, type WasmHeapBackend } from './wasm-kernels.ts';

/**
 * Below this many FLOPs per call the worker round trip (copies, wake-ups) is not worth it and
 * wasm keeps the conv. Measured here (forward, dW and dx of a 3x3 'same' conv, per set):
 * 4.7 MFLOP/conv wasm 1.3 ms vs ORT 1.7 ms; 18.9 MFLOP 5.2 vs 3.5; 37.7 MFLOP 8.5 vs 4.0.
 */
export const ORT_MIN_FLOPS = 8e6;
let minFlops = ORT_MIN_FLOPS;
/** Tests lower this to push tiny convs through ORT. */
export function setOrtConvMinFlops(n: number): void {
  minFlops = n;
}
const dataIds = new WeakMap<object, number>();
let nextId = 1;
function idOf(t: tf.TensorInfo): number {
  let id = dataIds.get(t.dataId);
  if (id === undefined) dataIds.set(t.dataId, (id = nextId++));
  return id;
}

type Info = tf.TensorInfo;

let client: OrtConvClient | null = null;

/** For tests and diagnostics: calls served by ORT, whether onnxruntime is loaded, why ORT is off, the last failure. */
export function ortConvClientState(): {
  calls: number;
  loaded: boolean;
  broken: string | null;
  lastError: string | null;
} | null {
  return client
    ? { calls: client.calls, loaded: client.loaded, broken: client.broken, lastError: client.lastError }
    : null;
}

const flops = (g: ConvGeom) => 2 * g.n * g.oh * g.ow * g.co * g.fh * g.fw * g.ci;

type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Geometry in NHWC, or null when ORT should not take this call. */
function geom(xShape: number[], fShape: number[], a: ConvAttrs): ConvGeom | null {
  if (a.dataFormat === 'NCHW' || xShape.length !== 4 || fShape.length !== 4) return null;
  const c = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    fShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
  );
  if ((c.dilationHeight > 1 || c.dilationWidth > 1) && (c.strideHeight > 1 || c.strideWidth > 1)) return null;
  const g: ConvGeom = {
    n: c.batchSize,
    h: c.inHeight,
    w: c.inWidth,
    ci: c.inChannels,
    oh: c.outHeight,
    ow: c.outWidth,
    co: c.outChannels,
    fh: c.filterHeight,
    fw: c.filterWidth,
    sh: c.strideHeight,
    sw: c.strideWidth,
    dh: c.dilationHeight,
    dw: c.dilationWidth,
    pad: { top: c.padInfo.top, bottom: c.padInfo.bottom, left: c.padInfo.left, right: c.padInfo.right },
  };
  return flops(g) >= minFlops && g.oh > 0 && g.ow > 0 ? g : null;
}

/**
 * Below this many weights a Dense product stays on wasm. wasm's matMul packs its weight operand
 * (XNNPACK, with a transposing copy) once per new weights tensor, which in training is every step:
 * the head's x·W at 150x150 ([20,8192]·[8192,256]) took 26 ms with fresh weights against 3.5 ms
 * with packed ones, the packing being ~20 ms of it and the largest part of a head-only epoch.
 * ORT's MLAS packs panels inside the GEMM on both cores (measured in `npm run bench:trainer`).
 */
export const ORT_MIN_DENSE_WEIGHTS = 1 << 20;

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
}

/** [M,K] or [1,M,K] -> [M,K]; anything batched -> null. */
const as2d = (s: number[]) => (s.length === 2 ? s : s.length === 3 && s[0] === 1 ? s.slice(1) : null);

/**
 * A plain product [M,K]·[K,N] with a large weight operand, as the geometry of a 1x1 conv over an
 * [M,1,1,K] input: same graph, worker and copies as the convs, and tfjs's row-major [K,N] is the
 * HWIO filter [1,1,K,N] byte for byte. null when wasm should keep it: small weights, batched
 * products, and transposed operands (wasm-matmul.ts transposes those explicitly; in a Dense
 * layer's gradient the large operand is then the activations, which wasm packs cheaply).
 */
function denseGeom(aShape: number[], bShape: number[], a: MatMulAttrs): ConvGeom | null {
  const a2 = as2d(aShape);
  const b2 = as2d(bShape);
  if (a.transposeA || a.transposeB || !a2 || !b2 || a2[1] !== b2[0]) return null;
  const [m, k] = a2 as [number, number];
  const n = b2[1]!;
  if (k * n < ORT_MIN_DENSE_WEIGHTS) return null;
  const pad = { top: 0, bottom: 0, left: 0, right: 0 };
  const g: ConvGeom = { n: m, h: 1, w: 1, ci: k, oh: 1, ow: 1, co: n, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pad };
  return flops(g) >= minFlops ? g : null;
}

/** tfjs's output shape for the product: 2-D in, 2-D out; [1,M,K] in, [1,M,N] out. */
const denseOut = (aShape: number[], g: ConvGeom) => (aShape.length === 3 ? [1, g.n, g.co] : [g.n, g.co]);

/** Run on ORT and copy into a new wasm tensor; null means "use the fallback". */
function viaOrt(
  backend: WasmHeapBackend,
  op: ConvOp,
  g: ConvGeom,
  ins: Info[],
  outShape: number[],
  cacheInput = -1,
): Info | null {
  if (!client || ins.some((t) => t.dtype !== 'float32')) return null;
  // tfjs data behind a dataId never changes (variables get a new dataId on assign), so the
  // dataId identifies the filter's contents.
  const ids = ins.map((t, i) => (i === cacheInput ? idOf(t) : undefined));
  const res = client.run(
    op,
    g,
    ins.map((t) => backend.typedArrayFromHeap(t)),
    ids,
  );
  if (!res) return null;
  const out = backend.makeOutput(outShape, 'float32'); // may grow the heap: take views after
  backend.typedArrayFromHeap(out).set(res);
  return out;
}

/** Returns an ORT result or null; `orig` runs otherwise. */
const KERNELS: Record<
  string,
  (inputs: Record<string, Info | undefined>, attrs: Record<string, unknown>, b: WasmHeapBackend) => Info | null
> = {
  Conv2D: ({ x, filter }, a, b) => {
    const g = geom(x!.shape, filter!.shape, a as unknown as ConvAttrs);
    return g && viaOrt(b, 'fwd', g, [x!, filter!], [g.n, g.oh, g.ow, g.co], 1);
  },
  FusedConv2D: ({ x, filter, bias, preluActivationWeights }, a, b) => {
    const act = a.activation as string;
    if ((act !== 'linear' && act !== 'relu') || preluActivationWeights) return null;
    const g = geom(x!.shape, filter!.shape, a as unknown as ConvAttrs);
    if (!g || (bias && tf.util.sizeFromShape(bias.shape) !== g.co)) return null;
    const op: ConvOp = bias ? (act === 'relu' ? 'fwd_bias_relu' : 'fwd_bias') : act === 'relu' ? 'fwd_relu' : 'fwd';
    return viaOrt(b, op, g, bias ? [x!, filter!, bias] : [x!, filter!], [g.n, g.oh, g.ow, g.co], 1);
  },
  BatchMatMul: ({ a, b: w }, attrs, b) => {
    const g = denseGeom(a!.shape, w!.shape, attrs as MatMulAttrs);
    return g && viaOrt(b, 'fwd', g, [a!, w!], denseOut(a!.shape, g));
  },
  _FusedMatMul: ({ a, b: w, bias, preluActivationWeights }, attrs, b) => {
    const act = (attrs as MatMulAttrs).activation ?? 'linear';
    if ((act !== 'linear' && act !== 'relu') || preluActivationWeights) return null;
    const g = denseGeom(a!.shape, w!.shape, attrs as MatMulAttrs);
    if (!g || (bias && tf.util.sizeFromShape(bias.shape) !== g.co)) return null;
    const op: ConvOp = bias ? (act === 'relu' ? 'fwd_bias_relu' : 'fwd_bias') : act === 'relu' ? 'fwd_relu' : 'fwd';
    return viaOrt(b, op, g, bias ? [a!, w!, bias] : [a!, w!], denseOut(a!.shape, g));
  },
  Conv2DBackpropInput: ({ dy, filter }, a, b) => {
    const inputShape = a.inputShape as number[];
    const g = geom(inputShape, filter!.shape, a as unknown as ConvAttrs);
    if (!g || dy!.shape.join() !== [g.n, g.oh, g.ow, g.co].join()) return null;
    return viaOrt(b, 'bwd_input', g, [dy!, filter!], inputShape, 1);
  },
  Conv2DBackpropFilter: ({ x, dy }, a, b) => {
    const filterShape = a.filterShape as number[];
    const g = geom(x!.shape, filterShape, a as unknown as ConvAttrs);
    if (!g || dy!.shape.join() !== [g.n, g.oh, g.ow, g.co].join()) return null;
    return viaOrt(b, 'bwd_filter', g, [x!, dy!], filterShape);
  },
};

const wrapped = new Set<string>();
let unavailable: string | null = null;

/** Why the kernels could not be registered (the worker could not be created), for the run's notes. */
export const ortConvUnavailable = () => unavailable;

/**
 * Wrap the wasm conv kernels (call after the wasm-backprop-filter shims, which become the
 * fallbacks). Returns the kernels wrapped; none when disabled by RUNBOARD_ORT_KERNELS=0, already
 * done, or when the worker cannot be created.
 */
export function registerOrtConvKernels(threads = os.availableParallelism()): string[] {
  if (process.env.RUNBOARD_ORT_KERNELS === '0') return [];
  if (!client) {
    try {
      client = new OrtConvClient(threads);
    } catch (e) {
      unavailable = (e as Error).message;
      return [];
    }
  }
  const done: string[] = [];
  for (const [name, fn] of Object.entries(KERNELS)) {
    if (wrapped.has(name)) continue;
    const ok = overrideWasmKernel(name, (orig) => (args) => {
      let out: Info | null = null;
      try {
        out = fn(
          args.inputs as Record<string, Info | undefined>,
          (args.attrs ?? {}) as Record<string, unknown>,
          args.backend as unknown as WasmHeapBackend,
        );
      } catch (e) {
        if (client) client.lastError = (e as Error).message;
      }
      return out ?? orig(args);
    });
    if (!ok) continue;
    wrapped.add(name);
    done.push(name);
  }
  return done;
}

/** Stop the worker (tests); the kernels then fall back to wasm. */
export async function stopOrtConvWorker(): Promise<void> {
  await client?.terminate();
}
