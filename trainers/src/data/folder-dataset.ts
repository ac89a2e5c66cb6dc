// A train/validation/test folder laid out like Keras flow_from_directory: one subfolder per
// class, classes sorted by name (so label indices match Keras's class_indices).

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage, type Interpolation } from './image.ts';

const IMAGE_EXT = /\.(png|jpe?g|bmp|ppm|tiff?|webp|gif)$/i;

export interface FolderDataset {
  dir: string;
  classes: string[];
  files: string[];
  labels: number[];
}

export async function scanFolder(dir: string, expectedClasses?: string[]): Promise<FolderDataset> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: Error) => {
    throw new Error(`cannot read image folder ${dir}: ${e.message}`);
  });
  const classes = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (!classes.length) throw new Error(`${dir} has no class subfolders (expected one folder per class)`);
  if (expectedClasses && expectedClasses.join('\0') !== classes.join('\0')) {
    throw new Error(`${dir} has classes [${classes.join(', ')}] but training has [${expectedClasses.join(', ')}]`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, c] of classes.entries()) {
    const names = (await readdir(join(dir, c))).filter((n) => IMAGE_EXT.test(n)).sort();
    for (const n of names) {
      files.push(join(dir, c, n));
      labels.push(label);
    }
  }
  if (!files.length) throw new Error(`${dir} contains no images`);
  return { dir, classes, files, labels };
}

export interface LoadedImages {
  /** size*size*3 RGB uint8 per image, already resized. */
  pixels: Uint8Array[];
  /** sha256 of each file's bytes (feature-cache key material). */
  contentHashes: string[];
}

/** Decode every image with bounded concurrency (sharp uses its own thread pool). */
export async function loadImages(
  ds: FolderDataset,
  size: number,
  interpolation: Interpolation,
  concurrency = 8,
): Promise<LoadedImages> {
  const pixels = new Array<Uint8Array>(ds.files.length);
  const contentHashes = new Array<string>(ds.files.length);
  let next = 0;
  const worker = async () => {
    while (next < ds.files.length) {
      const i = next++;
      const buf = await readFile(ds.files[i]!);
      contentHashes[i] = createHash('sha256').update(buf).digest('hex');
      try {
        pixels[i] = await decodeImage(buf, size, interpolation);
      } catch (e) {
        throw new Error(`cannot decode ${ds.files[i]}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { pixels, contentHashes };
}

export function oneHot(labels: number[], numClasses: number): Float32Array {
  const y = new Float32Array(labels.length * numClasses);
  labels.forEach((l, i) => (y[i * numClasses + l] = 1));
  return y;
}
