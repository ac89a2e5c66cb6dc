// Netpbm decoder (PBM/PGM/PPM, plain P1-P3 and raw P4-P6): sharp (libvips) cannot read them here,
// Keras's flow_from_directory (PIL) does. Samples are scaled to 8 bits as round(v * 255 / maxval);
// bitmaps follow PIL's mode "1" (a set bit is black).
import type { RgbImage } from './bmp.ts';

export const isPnm = (b: Uint8Array) => b.length > 2 && b[0] === 0x50 && b[1]! >= 0x31 && b[1]! <= 0x36;

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Whitespace-separated tokens with '#' comments, from `pos`; returns the position after the last token's delimiter. */
function tokens(b: Uint8Array, pos: number, count: number): { values: number[]; pos: number } {
  const values: number[] = [];
  let p = pos;
  while (values.length < count) {
    while (p < b.length && (isSpace(b[p]!) || b[p] === 0x23)) {
      if (b[p] === 0x23) while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
      else p++;
    }
    if (p >= b.length) throw new Error('Netpbm file is truncated');
    let v = 0;
    const start = p;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) v = v * 10 + b[p++]! - 0x30;
    if (p === start) throw new Error(`Netpbm file has "${String.fromCharCode(b[p]!)}" where a number belongs`);
    values.push(v);
  }
  return { values, pos: p + 1 }; // exactly one whitespace byte ends the header of a raw file
}

export function decodePnm(b: Uint8Array): RgbImage {
  const kind = b[1]! - 0x30; // 1..6
  const bitmap = kind === 1 || kind === 4;
  const hdr = tokens(b, 2, bitmap ? 2 : 3);
  const [width, height, maxval = 1] = hdr.values as [number, number, number?];
  if (!width || !height || width * height > 1 << 28) throw new Error(`Netpbm image of ${width}x${height} pixels`);
  if (maxval < 1 || maxval > 65535) throw new Error(`Netpbm maxval ${maxval}`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height * channels;
  const samples = new Uint8Array(n);
  const scale = (v: number) => (maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval));
  if (kind === 4) {
    const stride = Math.ceil(width / 8);
    if (hdr.pos + stride * height > b.length) throw new Error('Netpbm file is truncated');
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        samples[y * width + x] = (b[hdr.pos + y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
  } else if (kind >= 5) {
    const wide = maxval > 255;
    if (hdr.pos + n * (wide ? 2 : 1) > b.length) throw new Error('Netpbm file is truncated');
    for (let i = 0; i < n; i++)
      samples[i] = scale(wide ? (b[hdr.pos + 2 * i]! << 8) | b[hdr.pos + 2 * i + 1]! : b[hdr.pos + i]!);
  } else if (kind === 1) {
    // plain bitmap: digits may run together ("0101")
    let p = hdr.pos - 1;
    for (let i = 0; i < n; i++) {
      while (p < b.length && b[p] !== 0x30 && b[p] !== 0x31) p++;
      if (p >= b.length) throw new Error('Netpbm file is truncated');
      samples[i] = b[p++] === 0x31 ? 0 : 255;
    }
  } else {
    const t = tokens(b, hdr.pos - 1, n);
    for (let i = 0; i < n; i++) samples[i] = scale(t.values[i]!);
  }
  if (channels === 3) return { width, height, rgb: samples };
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = samples[i]!;
  return { width, height, rgb };
}
