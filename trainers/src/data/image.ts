// Image decoding and VGG preprocessing. Decoding/resizing uses sharp; like Keras's
// load_img(color_mode='rgb') grayscale and RGBA inputs become 3-channel RGB. BMP and Netpbm,
// which Keras reads and sharp cannot, are decoded here first.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeBmp, isBmp } from './bmp.ts';
import { decodePnm, isPnm } from './pnm.ts';

export type Preprocessing = 'rescale' | 'caffe';
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

/** Keras flow_from_directory resizes with nearest by default; sharp's kernels differ in name. */
const KERNEL = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic' } as const satisfies Record<
  Interpolation,
  string
>;

export async function decodeImage(
  input: string | Buffer,
  size: number,
  interpolation: Interpolation,
): Promise<Uint8Array> {
  const buf = typeof input === 'string' ? await readFile(input) : input;
  const own = isBmp(buf) ? decodeBmp(buf) : isPnm(buf) ? decodePnm(buf) : null;
  const src = own ? sharp(own.rgb, { raw: { width: own.width, height: own.height, channels: 3 } }) : sharp(buf);
  const { data, info } = await src
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, { fit: 'fill', kernel: KERNEL[interpolation] })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // sharp keeps single-channel output for some grayscale inputs: replicate to RGB.
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const v = data[i * info.channels]!;
    out[i * 3] = v;
    out[i * 3 + 1] = v;
    out[i * 3 + 2] = v;
  }
  return out;
}

// keras.applications.vgg16.preprocess_input (mode "caffe"): RGB->BGR, subtract ImageNet means.
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/** Writes one preprocessed HWC image (RGB uint8 or float 0..255) into `out` at `offset`. */
export function preprocessInto(px: ArrayLike<number>, mode: Preprocessing, out: Float32Array, offset: number): void {
  const n = px.length / 3;
  if (mode === 'rescale') {
    for (let i = 0; i < px.length; i++) out[offset + i] = px[i]! / 255;
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = px[i * 3]!;
    const g = px[i * 3 + 1]!;
    const b = px[i * 3 + 2]!;
    out[offset + i * 3] = b - CAFFE_MEAN_BGR[0]!;
    out[offset + i * 3 + 1] = g - CAFFE_MEAN_BGR[1]!;
    out[offset + i * 3 + 2] = r - CAFFE_MEAN_BGR[2]!;
  }
}
