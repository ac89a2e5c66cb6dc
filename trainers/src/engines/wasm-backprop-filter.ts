// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so the gradient of a conv kernel
// (needed to fine-tune block 5) throws on wasm. This registers one built from kernels wasm
// does have: the weight gradient rewritten as a single Conv2D, which wasm runs on XNNPACK
// (~4x faster at block 5 than an im2col/per-tap matMul version measured first).
import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, withTensorView } from './wasm-kernels.ts';

export const KERNEL_NAME = 'Conv2DBackpropFilter';

type Attrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
};

/** The math, as plain tfjs ops (also used by the unit test against the cpu kernel). */
export function conv2dBackpropFilterViaConv(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: Attrs): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm shim): NCHW is not supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  // (tfjs itself refuses conv gradients with dilation > 1, so the kernel never sees them.)
  return viaConv(
    x,
    dy,
    info.padInfo,
    [info.strideHeight, info.strideWidth],
    [info.dilationHeight, info.dilationWidth],
    attrs.filterShape,
  );
}

/**
 * The same gradient as ONE convolution, so wasm runs it through its fast (XNNPACK) Conv2D:
 * with Cin as the batch and N as the channels,
 *   dW^T[ci, i, j, co] = sum_{y,x,n} Xpad^T[ci, i*d + y*s, j*d + x*s, n] * dY^T[y, x, n, co]
 * i.e. conv2d(Xpad^T, dY^T, strides = dilation, dilations = stride), then transpose back.
 */
function viaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  pad: { top: number; bottom: number; left: number; right: number },
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
  [fh, fw, cin, cout]: [number, number, number, number],
): tf.Tensor4D {
  return tf.tidy(() => {
    const { top, bottom, left, right } = pad;
    const xp =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, Cout]
    let g = tf.conv2d(xT, dyT, [dh, dw], 'valid', 'NHWC', [sh, sw]); // [Cin, >=fh, >=fw, Cout]
    if (g.shape[1] !== fh || g.shape[2] !== fw) g = tf.slice(g, [0, 0, 0, 0], [cin, fh, fw, cout]);
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

let registered = false;

/** Register the shim on the wasm backend unless a real kernel already exists. */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (registered || tf.getKernel(KERNEL_NAME, 'wasm')) return false;
  tf.registerKernel({
    kernelName: KERNEL_NAME,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      // Returning a Tensor (it has a rank) makes the engine use it as the output as is; it
      // lives in the caller's scope, so tidy()/dispose by the gradient code frees it.
      const out = withTensorView(x, (xt) =>
        withTensorView(dy, (dyt) =>
          conv2dBackpropFilterViaConv(xt as tf.Tensor4D, dyt as tf.Tensor4D, attrs as unknown as Attrs),
        ),
      );
      return out as unknown as tf.TensorInfo;
    },
  });
  registered = true;
  return true;
}

/**
 * dx for a stride-1, dilation-1 conv as a plain Conv2D of the padded dy with the spatially
 * flipped, in/out-swapped kernel:  dx = conv2d(pad(dy), rot180(W)^T, 'valid').
 * Exported for the unit test.
 */
export function conv2dBackpropInputViaConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  pad: { top: number; left: number },
): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw] = filter.shape;
    const [, h, w] = inputShape;
    const [, oh, ow] = dy.shape;
    const pt = fh - 1 - pad.top;
    const pl = fw - 1 - pad.left;
    const pb = h - oh + pad.top;
    const pr = w - ow + pad.left;
    // rot180 as a gather of the fh*fw taps in reverse order (wasm's Reverse kernel is slow)
    const [, , ci, co] = filter.shape;
    const rev = tf.range(fh * fw - 1, -1, -1, 'int32');
    const rot = tf.reshape(tf.gather(tf.reshape(filter, [fh * fw, ci, co]), rev), [fh, fw, ci, co]);
    const wf = tf.transpose(rot, [0, 1, 3, 2]) as tf.Tensor4D;
    const dyp = tf.pad(dy, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
    return tf.conv2d(dyp, wf, 1, 'valid');
  });
}

let inputRegistered = false;

/**
 * wasm's own Conv2DBackpropInput is a naive loop (~60% of a block-5 fine-tuning step at 150x150);
 * for stride 1 / dilation 1 (every VGG conv) route it through XNNPACK's Conv2D instead, and keep
 * the original kernel for anything else.
 */
export function registerWasmFastConv2DBackpropInput(): boolean {
  if (inputRegistered) return false;
  inputRegistered = overrideWasmKernel('Conv2DBackpropInput', (orig) => (args) => {
    const { dy, filter } = args.inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as {
      strides: number | [number, number];
      pad: Attrs['pad'];
      dataFormat: string;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    if (
      a.dataFormat === 'NCHW' ||
      info.strideHeight !== 1 ||
      info.strideWidth !== 1 ||
      !(dy instanceof tf.Tensor) ||
      !(filter instanceof tf.Tensor)
    ) {
      return orig(args);
    }
    return conv2dBackpropInputViaConv(
      dy as tf.Tensor4D,
      filter as tf.Tensor4D,
      a.inputShape,
      info.padInfo,
    ) as unknown as tf.TensorInfo;
  });
  return inputRegistered;
}
