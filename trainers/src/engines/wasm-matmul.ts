// tfjs-backend-wasm 4.22 multiplies a transposed operand with a slow strided loop: the Dense
// head's weight gradient (x^T · dy, 8192x20 · 20x256 at 150x150) took 137 ms per batch, against
// 12 ms for an explicit Transpose followed by the plain product (measured here). Dense layers'
// gradients are exactly such products, so the head's training step was ~10x slower than it need be.
// This wraps BatchMatMul and _FusedMatMul on wasm: transposed operands are transposed once,
// explicitly, and the original kernel runs on the plain product.
import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, withTensorView } from './wasm-kernels.ts';

const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const done = new Set<string>();

/** The last two axes swapped, as a new tensor. */
function transposeLast(t: tf.TensorInfo): tf.Tensor {
  return withTensorView(t, (view) => {
    const perm = view.shape.map((_, i) => i);
    [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2]!, perm[perm.length - 1]!];
    return tf.transpose(view, perm);
  });
}

/** Register the wrappers; returns the kernels wrapped (none when already done or absent). */
export function registerWasmPlainMatMul(): string[] {
  const wrapped: string[] = [];
  for (const name of KERNELS) {
    if (done.has(name)) continue;
    const ok = overrideWasmKernel(name, (orig) => (args) => {
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return orig(args);
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      // The transposed copies are freed as soon as the product exists.
      const ta = attrs.transposeA ? transposeLast(a) : null;
      const tb = attrs.transposeB ? transposeLast(b) : null;
      try {
        return orig({
          ...args,
          inputs: { ...args.inputs, a: ta ?? a, b: tb ?? b },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        ta?.dispose();
        tb?.dispose();
      }
    });
    if (!ok) continue;
    done.add(name);
    wrapped.push(name);
  }
  return wrapped;
}
