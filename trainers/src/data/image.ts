// Image decoding and VGG preprocessing. Decoding/resizing uses sharp; like Keras's
// load_img(color_mode='rgb') grayscale and RGBA inputs become 3-channel RGB. BMP and Netpbm,
// which Keras reads and sharp cannot, are decoded here first.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeBmp, isBmp } from './bmp.ts';
import { decodePnm, isPnm } from './pnm.ts';
import { resizeNearestPil } from './resize-nearest.ts';

export type Preprocessing = 'rescale' | 'caffe';
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

/** Keras flow_from_directory resizes with nearest by default; sharp's kernels differ in name. */
const KERNEL = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic' } as const satisfies Record<
  Interpolation,
  string
>;

interface Raw {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * PIL's CMYK -> RGB (Pillow's Convert.c cmyk2rgb: nk = 255 - K, channel = nk - C * nk / 255 rounded
 * its way), which load_img applies; sharp converts through an ICC profile (34/255 off on average).
 */
export function cmykToRgbPil(cmyk: Uint8Array, pixels: number, stride = 4): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const nk = 255 - cmyk[i * stride + 3]!;
    for (let c = 0; c < 3; c++) {
      const t = cmyk[i * stride + c]! * nk + 128;
      out[i * 3 + c] = Math.max(0, nk - (((t >> 8) + t) >> 8));
    }
  }
  return out;
}

/** Full-size pixels as load_img(color_mode="rgb") has them before resizing (1 channel when grey). */
async function decodeFull(buf: Buffer): Promise<Raw> {
  const own = isBmp(buf) ? decodeBmp(buf) : isPnm(buf) ? decodePnm(buf) : null;
  if (own) return { data: own.rgb, width: own.width, height: own.height, channels: 3 };
  if ((await sharp(buf).metadata()).space === 'cmyk') {
    // The file's own CMYK values (no ICC conversion), then PIL's arithmetic.
    const { data, info } = await sharp(buf)
      .pipelineColourspace('cmyk')
      .toColourspace('cmyk')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgb = cmykToRgbPil(data, info.width * info.height, info.channels);
    return { data: rgb, width: info.width, height: info.height, channels: 3 };
  }
  const { data, info } = await sharp(buf)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function resize(im: Raw, size: number, interpolation: Interpolation): Promise<Raw> {
  if (im.width === size && im.height === size) return im;
  // Nearest is PIL's own arithmetic (Keras's load_img default); sharp's nearest picks other pixels.
  if (interpolation === 'nearest')
    return {
      data: resizeNearestPil(im.data, im.width, im.height, im.channels, size, size),
      width: size,
      height: size,
      channels: im.channels,
    };
  const { data, info } = await sharp(im.data, {
    raw: { width: im.width, height: im.height, channels: im.channels as 1 | 3 },
  })
    .resize(size, size, { fit: 'fill', kernel: KERNEL[interpolation] })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: size, height: size, channels: info.channels };
}

export async function decodeImage(
  input: string | Buffer,
  size: number,
  interpolation: Interpolation,
): Promise<Uint8Array> {
  const buf = typeof input === 'string' ? await readFile(input) : input;
  const { data, channels } = await resize(await decodeFull(buf), size, interpolation);
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // sharp keeps single-channel output for some grayscale inputs: replicate to RGB.
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const v = data[i * channels]!;
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
