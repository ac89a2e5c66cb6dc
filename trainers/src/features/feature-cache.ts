// On-disk cache of frozen-prefix outputs. The key covers everything that determines the
// features: weights content (up to the cut), cut layer, preprocessing, size, interpolation and
// the image file's bytes — so a changed image or weights file can never hit a stale entry.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FeatureKeyParts {
  weightsHash: string;
  cut: string;
  preprocessing: string;
  size: number;
  interpolation: string;
}

export class FeatureCache {
  hits = 0;
  misses = 0;
  private readonly prefix: string;

  constructor(
    readonly dir: string,
    parts: FeatureKeyParts,
    private readonly expectedLength: number,
  ) {
    this.prefix = JSON.stringify([parts.weightsHash, parts.cut, parts.preprocessing, parts.size, parts.interpolation]);
  }

  key(contentHash: string): string {
    return createHash('sha256').update(this.prefix).update('\0').update(contentHash).digest('hex');
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  async get(contentHash: string): Promise<Float32Array | null> {
    const buf = await readFile(this.path(this.key(contentHash))).catch(() => null);
    // A truncated file (e.g. killed mid-write on a filesystem without atomic rename) is a miss.
    if (!buf || buf.byteLength !== this.expectedLength * 4) {
      this.misses++;
      return null;
    }
    this.hits++;
    const out = new Float32Array(this.expectedLength);
    new Uint8Array(out.buffer).set(buf);
    return out;
  }

  async put(contentHash: string, features: Float32Array): Promise<void> {
    const p = this.path(this.key(contentHash));
    await mkdir(join(p, '..'), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
    await rename(tmp, p);
  }
}
