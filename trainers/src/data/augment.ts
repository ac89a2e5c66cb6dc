// Random affine augmentation following keras ImageDataGenerator.random_transform /
// apply_affine_transform: rotation, height/width shift, shear, zoom composed as
// rotation @ shift @ shear @ zoom about the image centre, bilinear sampling (order=1) with
// fill_mode='nearest', then an optional horizontal flip.
import { type Rng, uniform } from '@runboard/contract/rng';
import { DEFAULT_AUGMENT as CONTRACT_DEFAULT_AUGMENT } from '@runboard/contract/trainer-config';

export interface AugmentOptions {
  rotationRange: number; // degrees
  widthShiftRange: number; // fraction of width
  heightShiftRange: number; // fraction of height
  shearRange: number; // degrees (Keras 2.x uses degrees)
  zoomRange: number; // zoom in [1-z, 1+z]
  horizontalFlip: boolean;
}

/** The Keras cats-vs-dogs example's settings. */
/** The Keras example's augmentation (defined with the rest of the trainer config in the contract). */
export const DEFAULT_AUGMENT: AugmentOptions = CONTRACT_DEFAULT_AUGMENT;

type M3 = number[]; // row-major 3x3

function mul(a: M3, b: M3): M3 {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return r;
}

export interface TransformParams {
  theta: number;
  tx: number;
  ty: number;
  shear: number;
  zx: number;
  zy: number;
  flip: boolean;
}

export function drawParams(o: AugmentOptions, h: number, w: number, rng: Rng): TransformParams {
  const z = o.zoomRange;
  return {
    theta: o.rotationRange ? uniform(rng, -o.rotationRange, o.rotationRange) : 0,
    tx: o.heightShiftRange ? uniform(rng, -o.heightShiftRange, o.heightShiftRange) * h : 0,
    ty: o.widthShiftRange ? uniform(rng, -o.widthShiftRange, o.widthShiftRange) * w : 0,
    shear: o.shearRange ? uniform(rng, -o.shearRange, o.shearRange) : 0,
    zx: z ? uniform(rng, 1 - z, 1 + z) : 1,
    zy: z ? uniform(rng, 1 - z, 1 + z) : 1,
    flip: o.horizontalFlip ? rng() < 0.5 : false,
  };
}

/** Matrix mapping output (row, col, 1) to input coordinates, as scipy's affine_transform takes it. */
export function transformMatrix(p: TransformParams, h: number, w: number): M3 {
  const t = (p.theta * Math.PI) / 180;
  const s = (p.shear * Math.PI) / 180;
  let m: M3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  m = mul(m, [Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1]);
  m = mul(m, [1, 0, p.tx, 0, 1, p.ty, 0, 0, 1]);
  m = mul(m, [1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  m = mul(m, [p.zx, 0, 0, 0, p.zy, 0, 0, 0, 1]);
  const ox = h / 2 - 0.5;
  const oy = w / 2 - 0.5;
  return mul(mul([1, 0, ox, 0, 1, oy, 0, 0, 1], m), [1, 0, -ox, 0, 1, -oy, 0, 0, 1]);
}

/** Apply params to an HWC RGB image; returns float pixels in the input's 0..255 range. */
export function applyTransform(src: ArrayLike<number>, h: number, w: number, p: TransformParams): Float32Array {
  const m = transformMatrix(p, h, w);
  const out = new Float32Array(h * w * 3);
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : Math.min(v, hi));
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      // fill_mode 'nearest' == clamp sample coordinates to the edge
      const ir = clamp(m[0]! * r + m[1]! * c + m[2]!, h - 1);
      const ic = clamp(m[3]! * r + m[4]! * c + m[5]!, w - 1);
      const r0 = Math.floor(ir);
      const c0 = Math.floor(ic);
      const r1 = Math.min(r0 + 1, h - 1);
      const c1 = Math.min(c0 + 1, w - 1);
      const fr = ir - r0;
      const fc = ic - c0;
      const oc = p.flip ? w - 1 - c : c;
      for (let ch = 0; ch < 3; ch++) {
        const v00 = src[(r0 * w + c0) * 3 + ch]!;
        const v01 = src[(r0 * w + c1) * 3 + ch]!;
        const v10 = src[(r1 * w + c0) * 3 + ch]!;
        const v11 = src[(r1 * w + c1) * 3 + ch]!;
        out[(r * w + oc) * 3 + ch] = (v00 * (1 - fc) + v01 * fc) * (1 - fr) + (v10 * (1 - fc) + v11 * fc) * fr;
      }
    }
  }
  return out;
}

export function augment(src: ArrayLike<number>, size: number, o: AugmentOptions, rng: Rng): Float32Array {
  return applyTransform(src, size, size, drawParams(o, size, size, rng));
}
