// The VGG16 conv base exactly as keras.applications.VGG16(include_top=False) lays it out:
// same layer names and order, 3x3 'same' convs with ReLU, 2x2/2 'valid' max pools.
export type VggLayerSpec =
  | { kind: 'conv'; name: string; filters: number; inChannels: number }
  | { kind: 'pool'; name: string };

const BLOCKS: Array<[number, number]> = [
  [2, 64],
  [2, 128],
  [3, 256],
  [3, 512],
  [3, 512],
];

export const VGG16_LAYERS: readonly VggLayerSpec[] = (() => {
  const out: VggLayerSpec[] = [];
  let inCh = 3;
  BLOCKS.forEach(([convs, filters], b) => {
    for (let c = 1; c <= convs; c++) {
      out.push({ kind: 'conv', name: `block${b + 1}_conv${c}`, filters, inChannels: inCh });
      inCh = filters;
    }
    out.push({ kind: 'pool', name: `block${b + 1}_pool` });
  });
  return out;
})();

export const VGG16_LAYER_NAMES = VGG16_LAYERS.map((l) => l.name);
export const VGG16_CONV_LAYERS = VGG16_LAYERS.filter((l) => l.kind === 'conv') as Array<
  Extract<VggLayerSpec, { kind: 'conv' }>
>;

export function layerIndex(name: string): number {
  const i = VGG16_LAYER_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown VGG16 layer "${name}" (expected one of ${VGG16_LAYER_NAMES.join(', ')})`);
  return i;
}

/**
 * Name of the last frozen layer when fine-tuning starts at `fromLayer`
 * (e.g. block5_conv1 -> block4_pool). null means nothing is frozen.
 */
export function cutBefore(fromLayer: string): string | null {
  const i = layerIndex(fromLayer);
  return i === 0 ? null : VGG16_LAYER_NAMES[i - 1]!;
}

/** Output [h, w, c] of the base after layer `name` for a square input of `size`. */
export function outputShapeAfter(name: string | null, size: number): [number, number, number] {
  if (name === null) return [size, size, 3];
  const end = layerIndex(name);
  let h = size;
  let c = 3;
  for (let i = 0; i <= end; i++) {
    const l = VGG16_LAYERS[i]!;
    if (l.kind === 'conv') c = l.filters;
    else h = Math.floor(h / 2);
  }
  return [h, h, c];
}

export { MIN_INPUT_SIZE } from '@runboard/contract/trainer-config';

/**
 * Forward FLOPs (2 per multiply-add) of the conv layers strictly after `after` up to and including
 * `through`, for one square image of `size` (null `after` = from the input). Pools and ReLUs are
 * negligible and not counted. For speed reports: VGG16's whole base at 150x150 is ~13.8 GFLOP.
 */
export function convFlops(size: number, through: string, after: string | null = null): number {
  const from = after === null ? 0 : layerIndex(after) + 1;
  const end = layerIndex(through);
  let h = size;
  let flops = 0;
  for (let i = 0; i <= end; i++) {
    const l = VGG16_LAYERS[i]!;
    if (l.kind === 'pool') h = Math.floor(h / 2);
    else if (i >= from) flops += 2 * h * h * 9 * l.inChannels * l.filters;
  }
  return flops;
}
