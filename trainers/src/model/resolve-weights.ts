// `weights`: "imagenet" (default, as keras.applications.VGG16) fetches Keras's own notop file into
// the cache (or uses a copy in ~/.keras/models, where Keras keeps it); "random" is an explicit
// choice; anything else is a .h5 file or a tfjs folder. Files are checked to be what they claim
// before anything parses them, so a wrong file gets a sentence, not an HDF5 library error.
import { open, stat } from 'node:fs/promises';
import os from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { type DownloadEntry, type FetchOptions, fetchCached, hashLabel, loadDownloads } from '../data/downloads.ts';

export type ResolvedWeights =
  | { kind: 'random' }
  | { kind: 'file'; path: string; label: string; hash?: string; bytes: number; seconds: number; downloaded: boolean };

export class WeightsError extends Error {}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5's superblock signature sits at byte 0, 512, 1024, 2048, ... (a user block may precede it). */
export async function isHdf5(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off <= 1 << 20; off = off ? off * 2 : 512) {
      const { bytesRead } = await fh.read(buf, 0, 8, off);
      if (bytesRead < 8) return false;
      if (buf.equals(HDF5_MAGIC)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

export async function resolveWeights(
  spec: string,
  o: {
    roots?: string[];
    cacheDir?: string;
    downloads?: Record<string, DownloadEntry>;
    log?: FetchOptions['log'];
    progress?: FetchOptions['progress'];
    signal?: AbortSignal;
  } = {},
): Promise<ResolvedWeights> {
  if (spec === 'random') return { kind: 'random' };
  if (spec === 'imagenet') {
    const table = o.downloads ?? (await loadDownloads());
    const entry = table.vgg16_notop;
    if (!entry) throw new WeightsError('the downloads manifest has no vgg16_notop entry for weights "imagenet"');
    const f = await fetchCached('vgg16_notop', table, {
      cacheDir: o.cacheDir,
      alsoLookIn: [join(os.homedir(), '.keras', 'models')],
      log: o.log,
      progress: o.progress,
      signal: o.signal,
    });
    await checkHdf5(f.path);
    return {
      kind: 'file',
      path: f.path,
      label: `imagenet (${basename(f.path)}, ${hashLabel(entry)})`,
      hash: hashLabel(entry),
      bytes: f.bytes,
      seconds: f.seconds,
      downloaded: f.downloaded,
    };
  }
  const candidates = isAbsolute(spec) ? [spec] : (o.roots ?? [process.cwd()]).map((r) => resolve(r, spec));
  for (const path of candidates) {
    const s = await stat(path).catch(() => null);
    if (!s) continue;
    if (!s.isDirectory() && !path.endsWith('.json')) await checkHdf5(path);
    return { kind: 'file', path, label: path, bytes: s.size, seconds: 0, downloaded: false };
  }
  throw new WeightsError(
    `weights file ${spec} not found${isAbsolute(spec) ? '' : ` under ${(o.roots ?? [process.cwd()]).join(', ')}`} (use "imagenet", "random", a Keras .h5 file or a tfjs model folder)`,
  );
}

async function checkHdf5(path: string): Promise<void> {
  if (!(await isHdf5(path)))
    throw new WeightsError(
      `weights file ${path} is not an HDF5 file: expected Keras weights such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (or a tfjs model folder)`,
    );
}
