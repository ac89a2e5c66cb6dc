// Shared fixtures for trainer tests: tiny generated image folders and temp dirs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRng } from '@runboard/contract/rng';
import sharp from 'sharp';

export async function tempDir(
  t: { after: (fn: () => Promise<void>) => void },
  prefix = 'rb-trainer-',
): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

export interface ClassSpec {
  name: string;
  /** Base RGB colour; each image gets seeded noise and a random square on top. */
  rgb: [number, number, number];
}

/** Writes <root>/<split>/<class>/<i>.png; classes differ by colour so a head can learn them. */
export async function makeImageFolders(
  root: string,
  classes: ClassSpec[],
  perClass: Record<string, number>,
  size = 32,
  seed = 1,
): Promise<Record<string, string>> {
  const rng = makeRng(seed);
  const dirs: Record<string, string> = {};
  for (const [split, n] of Object.entries(perClass)) {
    dirs[split] = join(root, split);
    for (const c of classes) {
      const dir = join(root, split, c.name);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(size * size * 3);
        const sq = Math.floor(rng() * (size / 2));
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++)
            for (let ch = 0; ch < 3; ch++) {
              const inSq = y >= sq && y < sq + size / 4 && x >= sq && x < sq + size / 4;
              const v = (inSq ? 255 - c.rgb[ch]! : c.rgb[ch]!) + (rng() - 0.5) * 40;
              px[(y * size + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(v)));
            }
        await sharp(px, { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toFile(join(dir, `${String(i).padStart(3, '0')}.png`));
      }
    }
  }
  return dirs;
}

export const TWO_CLASSES: ClassSpec[] = [
  { name: 'cats', rgb: [200, 60, 40] },
  { name: 'dogs', rgb: [40, 80, 210] },
];

export const THREE_CLASSES: ClassSpec[] = [...TWO_CLASSES, { name: 'birds', rgb: [60, 200, 60] }];

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
