// Nearest-neighbour resize exactly as PIL's Image.resize(size, NEAREST), the default of Keras's
// load_img (interpolation="nearest"). PIL maps output pixel x to source int(a/2 + x*a), a = in/out,
// ACCUMULATING a in double precision (Geometry.c, ImagingScaleAffine): at exact halves that lands
// one pixel lower than (x + 0.5) * a computed directly, and sharp's nearest differs at some scale
// factors (Fashion-MNIST 32 -> 48 px: 31% of pixels). Checked against PIL in test/trainer/resize-parity.

/** Source index for each output index along one axis, as PIL computes it. */
export function pilNearestIndices(src: number, dst: number): Int32Array {
  const a = src / dst;
  const out = new Int32Array(dst);
  let pos = a * 0.5;
  for (let i = 0; i < dst; i++) {
    out[i] = Math.min(src - 1, Math.trunc(pos));
    pos += a;
  }
  return out;
}

/** Resizes interleaved 8-bit pixels (`channels` per pixel) to width x height. */
export function resizeNearestPil(
  px: Uint8Array,
  srcW: number,
  srcH: number,
  channels: number,
  width: number,
  height: number,
): Uint8Array {
  const xs = pilNearestIndices(srcW, width);
  const ys = pilNearestIndices(srcH, height);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * srcW;
    for (let x = 0; x < width; x++) {
      const s = (row + xs[x]!) * channels;
      const d = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = px[s + c]!;
    }
  }
  return out;
}
