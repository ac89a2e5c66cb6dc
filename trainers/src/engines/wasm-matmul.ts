// tfjs-backend-wasm 4.22 multiplies a transposed operand with a slow strided loop: the Dense
// head's weight gradient (x^T · dy, 8192x20 · 20x256 at 150x150) took 137 ms per batch, against
// 12 ms for an explicit Transpose followed by the plain product (measured here). Dense layers'
// gradients are exactly such products, so the head's training step was ~10x slower than it need be.
// This wraps BatchMatMul and _FusedMatMul on wasm: transposed operands are transposed once,
// explicitly, and the original kernel runs on the plain product.
import * as tf from '@tensorflow/tfjs';

const KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;
const done = new Set<string>();

/** Register the wrappers; returns the kernels wrapped (none when already done or absent). */
export function registerWasmPlainMatMul(): string[] {
  const wrapped: string[] = [];
  for (const name of KERNELS) {
    if (done.has(name)) continue;
    const orig = tf.getKernel(name, 'wasm');
    if (!orig) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      setupFunc: orig.setupFunc,
      disposeFunc: orig.disposeFunc,
      kernelFunc: (args) => {
        const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
        // Ops called inside a kernel are not taped (no gradients through this), and the
        // transposed copies are freed as soon as the product exists.
        const flip = (t: tf.TensorInfo, on: boolean): { t: tf.TensorInfo; own: tf.Tensor | null } => {
          if (!on) return { t, own: null };
          // The engine passes the op's own Tensors; a bare TensorInfo gets a temporary view with
          // its own backend ref, so disposing the view cannot free the caller's data.
          const bare = !(t instanceof tf.Tensor);
          const view = bare ? tf.engine().makeTensorFromTensorInfo(t) : (t as tf.Tensor);
          if (bare) tf.engine().backend.incRef(t.dataId);
          const perm = view.shape.map((_, i) => i);
          [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2]!, perm[perm.length - 1]!];
          const out = tf.transpose(view, perm);
          if (bare) view.dispose();
          return { t: out, own: out };
        };
        const fa = flip(a, attrs.transposeA);
        const fb = flip(b, attrs.transposeB);
        try {
          return orig.kernelFunc({ ...args, inputs: { ...args.inputs, a: fa.t, b: fb.t }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
        } finally {
          fa.own?.dispose();
          fb.own?.dispose();
        }
      },
    });
    done.add(name);
    wrapped.push(name);
  }
  return wrapped;
}
