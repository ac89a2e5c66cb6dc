// Keras HDF5 weights (vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 and model.save_weights
// files). Layout: root attr `layer_names`; one group per layer with attr `weight_names`; the
// datasets live at paths named by weight_names relative to the layer group, e.g.
// "block1_conv1/block1_conv1_W_1:0" (old Keras) or "block1_conv1/kernel:0" (tf.keras).
// A full-model .h5 nests all that under a "model_weights" group.
import h5wasm from 'h5wasm/node';
import { VGG16_CONV_LAYERS } from './vgg16-spec.ts';
import { assertComplete, type ConvWeights, checkShape, type VggWeights } from './weights.ts';

type H5Group = InstanceType<typeof h5wasm.Group>;

let ready: Promise<unknown> | null = null;
async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready;
  await ready;
  return h5wasm;
}

function strings(v: unknown): string[] {
  if (v == null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((s) => (s instanceof Uint8Array ? Buffer.from(s).toString('utf8') : String(s)).replace(/\0+$/, ''));
}

/** kernel or bias from a Keras weight name, old ("_W_1:0", "_b_1:0") or new ("kernel:0"). */
export function weightRole(weightName: string): 'kernel' | 'bias' | null {
  const last = weightName.split('/').pop()!.replace(/:\d+$/, '');
  if (/^kernel(_\d+)?$/.test(last) || /_W(_\d+)?$/.test(last)) return 'kernel';
  if (/^bias(_\d+)?$/.test(last) || /_b(_\d+)?$/.test(last)) return 'bias';
  return null;
}

export async function loadKerasH5Weights(path: string): Promise<VggWeights> {
  const lib = await h5();
  const file = new lib.File(path, 'r');
  try {
    let root: H5Group = file;
    if (!('layer_names' in file.attrs) && file.keys().includes('model_weights')) {
      root = file.get('model_weights') as H5Group;
    }
    const layerNames = strings(root.attrs.layer_names?.value);
    if (!layerNames.length) throw new Error(`${path}: not a Keras weights file (no root attribute "layer_names")`);
    const layers = new Map<string, ConvWeights>();
    for (const spec of VGG16_CONV_LAYERS) {
      if (!layerNames.includes(spec.name)) continue;
      const g = root.get(spec.name) as H5Group | null;
      if (!g) throw new Error(`${path}: layer ${spec.name} is listed in layer_names but has no group`);
      const weightNames = strings(g.attrs.weight_names?.value);
      let kernel: Float32Array | null = null;
      let kernelShape: number[] = [];
      let bias: Float32Array | null = null;
      for (const wn of weightNames) {
        const role = weightRole(wn);
        const ds = g.get(wn) as InstanceType<typeof h5wasm.Dataset> | null;
        if (!ds || !role) continue;
        const shape = ds.shape ?? [];
        checkShape(spec.name, role, shape);
        const data = Float32Array.from(ds.value as ArrayLike<number>);
        if (role === 'kernel') {
          kernel = data;
          kernelShape = shape;
        } else bias = data;
      }
      if (!kernel || !bias) {
        throw new Error(
          `${path}: layer ${spec.name} lacks a ${kernel ? 'bias' : 'kernel'} (weight_names: ${weightNames.join(', ')})`,
        );
      }
      layers.set(spec.name, { kernel, kernelShape: kernelShape as ConvWeights['kernelShape'], bias });
    }
    const w: VggWeights = { source: `keras-h5:${path}`, layers };
    assertComplete(w);
    return w;
  } finally {
    file.close();
  }
}

/**
 * Writes weights in Keras's notop layout. Used by tests (ImageNet weights can't be downloaded
 * here) and by the bench; `naming` picks old-Keras or tf.keras dataset names.
 */
export async function writeKerasH5Weights(
  path: string,
  w: VggWeights,
  naming: 'old' | 'new' = 'new',
  override?: (layer: string, role: 'kernel' | 'bias', shape: number[]) => number[],
): Promise<void> {
  const lib = await h5();
  const file = new lib.File(path, 'w');
  try {
    const names = ['input_1', ...VGG16_CONV_LAYERS.map((l) => l.name)];
    file.create_attribute('layer_names', names, [names.length], `S${Math.max(...names.map((n) => n.length))}`);
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', naming === 'old' ? '2.0.8' : '2.15.0');
    file.create_group('input_1').create_attribute('weight_names', [], [0], 'S1');
    for (const spec of VGG16_CONV_LAYERS) {
      const cw = w.layers.get(spec.name)!;
      const g = file.create_group(spec.name);
      const kName = naming === 'old' ? `${spec.name}_W_1:0` : 'kernel:0';
      const bName = naming === 'old' ? `${spec.name}_b_1:0` : 'bias:0';
      g.create_attribute('weight_names', [`${spec.name}/${kName}`, `${spec.name}/${bName}`], [2], 'S40');
      const inner = g.create_group(spec.name);
      const kShape = override?.(spec.name, 'kernel', [...cw.kernelShape]) ?? [...cw.kernelShape];
      const bShape = override?.(spec.name, 'bias', [cw.bias.length]) ?? [cw.bias.length];
      inner.create_dataset({
        name: kName,
        data: cw.kernel.subarray(
          0,
          kShape.reduce((a, b) => a * b, 1),
        ),
        shape: kShape,
        dtype: '<f',
      });
      inner.create_dataset({
        name: bName,
        data: cw.bias.subarray(
          0,
          bShape.reduce((a, b) => a * b, 1),
        ),
        shape: bShape,
        dtype: '<f',
      });
    }
  } finally {
    file.close();
  }
}
