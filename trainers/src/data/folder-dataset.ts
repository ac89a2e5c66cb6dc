// A train/validation/test folder laid out like Keras flow_from_directory: one subfolder per
// class, classes sorted by name (so label indices match Keras's class_indices).

import { createHash } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isInside, PathConfinementError, realRoots } from '../agent/path-confinement.ts';
import { assertTreeInRoots } from './confine-tree.ts';
import { decodeImage, type Interpolation } from './image.ts';

// Keras's white list (png, jpg, jpeg, bmp, ppm, tif, tiff), plus the other Netpbm names, webp and gif.
const IMAGE_EXT = /\.(png|jpe?g|bmp|p[bgpn]m|tiff?|webp|gif)$/i;

export interface FolderDataset {
  dir: string;
  classes: string[];
  files: string[];
  labels: number[];
  /** Real roots every file read must stay inside (a run launched by an agent); undefined: no confinement. */
  roots?: string[];
}

/**
 * The roots a launching agent gave this trainer (RUNBOARD_DATA_ROOTS, a JSON list: its data roots and its
 * download cache), or undefined when run by hand.
 */
export function dataRootsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (!env.RUNBOARD_DATA_ROOTS) return undefined;
  const roots = JSON.parse(env.RUNBOARD_DATA_ROOTS) as unknown;
  if (!Array.isArray(roots) || !roots.every((r) => typeof r === 'string'))
    throw new Error('RUNBOARD_DATA_ROOTS must be a JSON list of folders');
  return roots;
}

/**
 * Reads a file of a confined data set. Node has no openat, so "resolve, check, then read by name" leaves a window
 * in which a folder on the path can be swapped for a link out of the roots. The file is opened first and the
 * check is made on what was opened: the kernel's own path of the descriptor (/proc/self/fd, Linux), and its
 * device and inode against those of the name resolved now inside the roots. A swap before the open shows in the
 * descriptor's path; one made and undone around it leaves a different inode; a swap after it reads nothing new.
 */
async function readConfined(file: string, roots: string[] | undefined): Promise<Buffer> {
  if (!roots) return readFile(file);
  const handle = await open(file, 'r');
  try {
    await assertOpenedInRoots(handle, file, roots);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Refuses (PathConfinementError) an open file that is not the one `file` names inside `roots` now. */
export async function assertOpenedInRoots(handle: FileHandle, file: string, roots: readonly string[]): Promise<void> {
  const refuse = () =>
    new PathConfinementError(basename(file), "is a link to somewhere outside the agent's data roots; refused");
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (opened !== null && !roots.some((r) => isInside(r, opened))) throw refuse();
  const target = await realpath(file).catch(() => null);
  if (target === null || !roots.some((r) => isInside(r, target))) throw refuse();
  const [held, named] = await Promise.all([handle.stat(), stat(target)]);
  if (held.dev !== named.dev || held.ino !== named.ino) throw refuse();
}

export async function scanFolder(
  dir: string,
  expectedClasses?: string[],
  roots?: readonly string[],
): Promise<FolderDataset> {
  // Confined runs: every folder and file below is resolved again before anything is listed or read.
  if (roots) await assertTreeInRoots(dir, roots, basename(dir));
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
  return { dir, classes, files, labels, roots: roots ? await realRoots(roots) : undefined };
}

export interface LoadedImages {
  /** size*size*3 RGB uint8 per image, already resized; holes until decode(i) when loaded lazily. */
  pixels: Uint8Array[];
  /** sha256 of each file's bytes (feature-cache key material). */
  contentHashes: string[];
  /** Decodes image i (once) and returns its pixels. */
  decode(i: number): Promise<Uint8Array>;
}

/**
 * Hashes every image file and, with `eager`, decodes it (bounded concurrency; sharp uses its own
 * thread pool). Lazily loaded images are decoded only when their features are not in the cache, so a
 * run on cached features (every run of a sweep after the first) never decodes an image.
 */
export async function loadImages(
  ds: FolderDataset,
  size: number,
  interpolation: Interpolation,
  concurrency = 8,
  eager = true,
): Promise<LoadedImages> {
  const pixels = new Array<Uint8Array>(ds.files.length);
  const contentHashes = new Array<string>(ds.files.length);
  const decodeBuf = async (i: number, buf: Buffer) => {
    try {
      pixels[i] = await decodeImage(buf, size, interpolation);
    } catch (e) {
      throw new Error(`cannot decode ${ds.files[i]}: ${(e as Error).message}`);
    }
    return pixels[i]!;
  };
  let next = 0;
  const worker = async () => {
    while (next < ds.files.length) {
      const i = next++;
      const buf = await readConfined(ds.files[i]!, ds.roots);
      contentHashes[i] = createHash('sha256').update(buf).digest('hex');
      if (eager) await decodeBuf(i, buf);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const decode = async (i: number) => pixels[i] ?? decodeBuf(i, await readConfined(ds.files[i]!, ds.roots));
  return { pixels, contentHashes, decode };
}

export function oneHot(labels: number[], numClasses: number): Float32Array {
  const y = new Float32Array(labels.length * numClasses);
  labels.forEach((l, i) => (y[i * numClasses + l] = 1));
  return y;
}
