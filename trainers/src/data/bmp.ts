// Windows BMP decoder: sharp (libvips) cannot read BMP, Keras's flow_from_directory (PIL) does.
// Covers what PIL reads in practice: OS/2 and Windows headers (12..124 bytes), 1/4/8-bit palettes,
// 16-bit (5-5-5 or bit fields), 24-bit, 32-bit (BGRX or bit fields), bottom-up and top-down rows.
// RLE-compressed files are refused with a message naming the compression.

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3, RGB, rows top to bottom. */
  rgb: Uint8Array;
}

export const isBmp = (b: Uint8Array) => b.length > 26 && b[0] === 0x42 && b[1] === 0x4d;

interface BmpHeader {
  width: number;
  height: number; // negative: rows stored top-down
  bpp: number;
  compression: number;
  dataOffset: number;
  palette: Uint8Array[]; // [b, g, r]
  masks: [number, number, number] | null;
}

function header(b: Buffer): BmpHeader {
  const dib = b.readUInt32LE(14);
  const dataOffset = b.readUInt32LE(10);
  if (dib === 12) {
    const bpp = b.readUInt16LE(24);
    return {
      width: b.readUInt16LE(18),
      height: b.readInt16LE(20),
      bpp,
      compression: 0,
      dataOffset,
      ...tables(b, 26, bpp, 0, 3, dib),
    };
  }
  if (dib < 40) throw new Error(`BMP header of ${dib} bytes is not one PIL reads`);
  const bpp = b.readUInt16LE(28);
  const compression = b.readUInt32LE(30);
  const colours = b.readUInt32LE(46);
  const h = { width: b.readInt32LE(18), height: b.readInt32LE(22), bpp, compression, dataOffset };
  return { ...h, ...tables(b, 14 + dib, bpp, colours, 4, dib) };
}

/** Palette (<= 8 bpp) and bit-field masks (BI_BITFIELDS: after a 40-byte header, inside a larger one). */
function tables(b: Buffer, at: number, bpp: number, colours: number, entry: number, dib: number) {
  const palette: Uint8Array[] = [];
  if (bpp <= 8) {
    const n = colours || 1 << bpp;
    for (let i = 0; i < n; i++) palette.push(b.subarray(at + i * entry, at + i * entry + 3));
  }
  let masks: [number, number, number] | null = null;
  if (dib >= 40 && b.readUInt32LE(30) === 3) {
    const m = dib === 40 ? at : 54;
    masks = [b.readUInt32LE(m), b.readUInt32LE(m + 4), b.readUInt32LE(m + 8)];
  }
  return { palette, masks };
}

/** A bit-field channel scaled to 8 bits the way PIL's unpackers do (v * 255 / max, truncated). */
function channel(px: number, mask: number): number {
  if (!mask) return 0;
  const low = 31 - Math.clz32(mask & -mask);
  const max = mask >>> low;
  return Math.floor((((px & mask) >>> low) * 255) / max);
}

export function decodeBmp(input: Uint8Array): RgbImage {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const h = header(b);
  if (h.compression === 1 || h.compression === 2)
    throw new Error(`BMP with RLE${h.compression === 1 ? 8 : 4} compression is not supported; convert it to PNG`);
  if (h.compression > 3) throw new Error(`BMP compression ${h.compression} (embedded JPEG/PNG) is not supported`);
  const width = h.width;
  const height = Math.abs(h.height);
  if (width <= 0 || height === 0 || width * height > 1 << 28) throw new Error(`BMP of ${width}x${height} pixels`);
  const stride = Math.ceil((width * h.bpp) / 32) * 4;
  if (h.dataOffset + stride * height > b.length) throw new Error('BMP file is truncated');
  const masks = h.masks ?? (h.bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : h.bpp === 32 ? [0xff0000, 0xff00, 0xff] : null);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = h.dataOffset + (h.height > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (h.bpp === 24) {
        rgb[o] = b[row + x * 3 + 2]!;
        rgb[o + 1] = b[row + x * 3 + 1]!;
        rgb[o + 2] = b[row + x * 3]!;
      } else if (h.bpp === 16 || h.bpp === 32) {
        const px = h.bpp === 16 ? b.readUInt16LE(row + x * 2) : b.readUInt32LE(row + x * 4);
        rgb[o] = channel(px, masks![0]);
        rgb[o + 1] = channel(px, masks![1]);
        rgb[o + 2] = channel(px, masks![2]);
      } else if (h.bpp === 1 || h.bpp === 4 || h.bpp === 8) {
        const bit = x * h.bpp;
        const idx = (b[row + (bit >> 3)]! >> (8 - h.bpp - (bit & 7))) & ((1 << h.bpp) - 1);
        const c = h.palette[idx] ?? h.palette[0]!;
        rgb[o] = c[2]!;
        rgb[o + 1] = c[1]!;
        rgb[o + 2] = c[0]!;
      } else throw new Error(`BMP with ${h.bpp} bits per pixel`);
    }
  }
  return { width, height, rgb };
}
