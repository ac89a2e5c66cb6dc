// Two things every kernel shim in this folder needs: replacing a wasm kernel while keeping the
// original as its fallback, and using a kernel's TensorInfo inputs as Tensors.
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/**
 * Replace kernel `name` on wasm with `wrap(original)`; setup/dispose hooks are kept. Returns false
 * when wasm has no such kernel. Wrapping twice stacks (the earlier wrapper becomes the fallback).
 */
export function overrideWasmKernel(name: string, wrap: (orig: KernelFunc) => KernelFunc): boolean {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) return false;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...orig, kernelFunc: wrap(orig.kernelFunc) });
  return true;
}

/**
 * Call `use` with `t` as a Tensor. The engine passes an op's own Tensors as kernel inputs; a bare
 * TensorInfo gets a temporary view with its own backend ref, so disposing the view cannot free
 * the caller's data. (Ops called inside a kernel are not taped: no gradients flow through them.)
 */
export function withTensorView<R>(t: tf.TensorInfo, use: (x: tf.Tensor) => R): R {
  if (t instanceof tf.Tensor) return use(t);
  const view = tf.engine().makeTensorFromTensorInfo(t);
  tf.engine().backend.incRef(t.dataId);
  try {
    return use(view);
  } finally {
    view.dispose();
  }
}

/** The parts of tfjs-backend-wasm's backend used to read and write its heap directly. */
export interface WasmHeapBackend {
  /** A float32 view of the tensor's bytes on the wasm heap (invalid once the heap grows). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  /** A new tensor's storage on the heap (may grow it: take views after). */
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}
