// Per-split feature provider for one phase: memory first, then the disk cache, then the frozen
// prefix (in batches). Lazy, so the first epoch pays for the base and later epochs don't.

import { type Preprocessing, preprocessInto } from '../data/image.ts';
import type { PrefixEngine } from '../engines/prefix.ts';
import type { FeatureCache } from './feature-cache.ts';

export class FeatureStore {
  private readonly mem: Array<Float32Array | undefined>;
  baseSeconds = 0;
  computed = 0;
  hits = 0;
  /** Called after each batch through the base (the trainer prints throttled "n/N images" lines). */
  onComputed: ((store: FeatureStore) => void) | null = null;

  constructor(
    private readonly pixels: Uint8Array[],
    private readonly contentHashes: string[],
    private readonly prefix: PrefixEngine,
    private readonly preprocessing: Preprocessing,
    private readonly cache: FeatureCache | null,
    /** false: forget features after each get(), so every epoch pays for the base (the bench's baseline). */
    private readonly memo = true,
    private readonly runBatch = 16,
    /** Decodes an image not decoded yet (lazily loaded images: only cache misses are ever decoded). */
    private readonly decode: ((i: number) => Promise<Uint8Array>) | null = null,
  ) {
    this.mem = new Array(pixels.length);
  }

  get size(): number {
    return this.pixels.length;
  }

  get featureLength(): number {
    return this.prefix.outShape.reduce((a, b) => a * b, 1);
  }

  async get(indices: number[]): Promise<Float32Array[]> {
    const missing: number[] = [];
    for (const i of indices) {
      if (this.mem[i] || missing.includes(i)) continue;
      const hit = this.cache ? await this.cache.get(this.contentHashes[i]!) : null;
      if (hit) {
        this.mem[i] = hit;
        this.hits++;
      } else missing.push(i);
    }
    for (let s = 0; s < missing.length; s += this.runBatch) {
      const chunk = missing.slice(s, s + this.runBatch);
      const images = await Promise.all(chunk.map((i) => this.pixels[i] ?? this.decode!(i)));
      const feats = await runPrefix(this.prefix, images, this.preprocessing);
      this.baseSeconds += feats.seconds;
      this.computed += chunk.length;
      for (const [k, i] of chunk.entries()) {
        this.mem[i] = feats.out[k]!;
        // The cache key names the planned engine: features from a fallback engine are not stored under it.
        if (this.cache && !this.prefix.fallback) await this.cache.put(this.contentHashes[i]!, feats.out[k]!);
      }
      this.onComputed?.(this);
    }
    const out = indices.map((i) => this.mem[i]!);
    if (!this.memo) for (const i of indices) this.mem[i] = undefined;
    return out;
  }
}

/** Preprocess raw (or augmented float) pixels and run the prefix; returns one array per image. */
export async function runPrefix(
  prefix: PrefixEngine,
  images: ArrayLike<number>[],
  preprocessing: Preprocessing,
): Promise<{ out: Float32Array[]; seconds: number }> {
  const t0 = performance.now();
  const per = prefix.size * prefix.size * 3;
  const x = new Float32Array(images.length * per);
  images.forEach((px, k) => preprocessInto(px, preprocessing, x, k * per));
  const y = await prefix.run(x, images.length);
  const len = y.length / images.length;
  const out = images.map((_, k) => y.slice(k * len, (k + 1) * len));
  return { out, seconds: (performance.now() - t0) / 1000 };
}
