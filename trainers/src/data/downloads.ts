// Files the trainer fetches by name, as keras.utils.get_file does: one table (name, URL, hash, size),
// replaceable as a whole by RUNBOARD_DOWNLOADS_MANIFEST (mirrors, air-gapped sites, tests). Downloads
// go to <cache>/<file>.part, resume with an HTTP Range request, are verified against the recorded
// hash and only then renamed into place, so a cached file is always a whole, verified one.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';

export interface DownloadEntry {
  url: string;
  /** Exactly one of sha256 / md5, when upstream publishes one (Keras records md5 for the VGG16 file). */
  sha256?: string;
  md5?: string;
  /** Bytes, when known: only used for progress. */
  size?: number;
  /** Local file name; defaults to the URL's last path segment. */
  file?: string;
  /** Where the URL and hash come from, for people checking them. */
  source?: string;
}

/** Table names of the four Fashion-MNIST files: fashion_mnist_train_images, ..._t10k_labels. */
export const FASHION_MNIST_FILES = {
  fashion_mnist_train_images: 'train-images-idx3-ubyte.gz',
  fashion_mnist_train_labels: 'train-labels-idx1-ubyte.gz',
  fashion_mnist_t10k_images: 't10k-images-idx3-ubyte.gz',
  fashion_mnist_t10k_labels: 't10k-labels-idx1-ubyte.gz',
} as const;

/**
 * The built-in table. VGG16: URL and md5 exactly as keras/src/applications/vgg16.py passes them to
 * get_file (WEIGHTS_PATH_NO_TOP, file_hash). cats_and_dogs_filtered: the URL of TensorFlow's
 * transfer-learning tutorial (site/en/tutorials/images/transfer_learning.ipynb); that tutorial
 * publishes no hash, so none is recorded here (the download is then reported with its sha256 so a
 * site can pin it through RUNBOARD_DOWNLOADS_MANIFEST).
 */
export const DEFAULT_DOWNLOADS: Record<string, DownloadEntry> = {
  vgg16_notop: {
    url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    md5: '6d6bbae143d832006294945121d1f1fc',
    source: 'keras/src/applications/vgg16.py (WEIGHTS_PATH_NO_TOP, file_hash)',
  },
  cats_and_dogs_filtered: {
    url: 'https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip',
    source: 'tensorflow/docs site/en/tutorials/images/transfer_learning.ipynb (_URL; no hash published)',
  },
  // Fashion-MNIST when Debian's dataset-fashion-mnist is not installed (its files are re-compressed,
  // so their hashes differ from these): URL base and SHA-256s of keras/src/datasets/fashion_mnist.py.
  ...fashionMnistEntries({
    'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  }),
};

function fashionMnistEntries(sha256: Record<string, string>): Record<string, DownloadEntry> {
  return Object.fromEntries(
    Object.entries(FASHION_MNIST_FILES).map(([name, file]) => [
      name,
      {
        url: `https://storage.googleapis.com/tensorflow/tf-keras-datasets/${file}`,
        sha256: sha256[file]!,
        source: 'keras/src/datasets/fashion_mnist.py (base URL, FILE_HASHES)',
      },
    ]),
  );
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${n}}$`), `must be ${n} hex digits`);
const entrySchema = z
  .object({
    url: z.url(),
    sha256: hex(64).optional(),
    md5: hex(32).optional(),
    size: z.number().int().positive().optional(),
    file: z
      .string()
      .regex(/^[\w.-]+$/, 'a plain file name')
      .optional(),
    source: z.string().optional(),
  })
  .strict()
  .refine((e) => !(e.sha256 && e.md5), 'give sha256 or md5, not both');

/** The table in force: RUNBOARD_DOWNLOADS_MANIFEST replaces the built-in one entirely. */
export async function loadDownloads(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, DownloadEntry>> {
  const file = env.RUNBOARD_DOWNLOADS_MANIFEST;
  if (!file) return DEFAULT_DOWNLOADS;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`RUNBOARD_DOWNLOADS_MANIFEST ${file}: ${(e as Error).message}`);
  }
  const r = z.record(z.string(), entrySchema).safeParse(raw);
  if (!r.success)
    throw new Error(
      `RUNBOARD_DOWNLOADS_MANIFEST ${file}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNBOARD_CACHE_DIR || join(os.homedir(), '.cache', 'runboard');
}

export const fileNameOf = (e: DownloadEntry) => e.file ?? basename(new URL(e.url).pathname);

export function hashLabel(e: DownloadEntry): string {
  return e.sha256 ? `sha256 ${e.sha256}` : e.md5 ? `md5 ${e.md5}` : 'no published hash';
}

export async function hashFile(path: string, algo: 'sha256' | 'md5'): Promise<string> {
  const h = createHash(algo);
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Download progress: a bar on a TTY, otherwise a line every few seconds (it ends up in run logs). */
export function progressPrinter(
  name: string,
  out: { write(s: string): unknown; isTTY?: boolean } = process.stdout,
  everyMs = 5000,
) {
  let last = 0;
  return (done: number, total: number | null, final = false) => {
    const mb = (b: number) => (b / 1e6).toFixed(1);
    const pct = total ? Math.floor((100 * done) / total) : null;
    if (out.isTTY) {
      const bar = pct === null ? '' : `[${'='.repeat(Math.floor(pct / 4)).padEnd(25)}] ${pct}% `;
      out.write(`\r${name}: ${bar}${mb(done)}${total ? `/${mb(total)}` : ''} MB${final ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (!final && now - last < everyMs) return;
    last = now;
    out.write(`downloading ${name}: ${mb(done)}${total ? `/${mb(total)} MB (${pct}%)` : ' MB'}\n`);
  };
}

export class DownloadError extends Error {}

/** The run was stopped (SIGTERM from an agent's cancel, Ctrl-C) while a file was downloading. */
export class DownloadCanceledError extends Error {}

/** Seconds without a byte before a download is abandoned: RUNBOARD_DOWNLOAD_IDLE_SECONDS, default 60. */
export function idleTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.RUNBOARD_DOWNLOAD_IDLE_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 60_000;
}

export interface FetchOptions {
  cacheDir?: string;
  /** Other places a verified copy may already be (e.g. ~/.keras/models for Keras's own cache). */
  alsoLookIn?: string[];
  log?: (line: string) => void;
  progress?: (done: number, total: number | null, final?: boolean) => void;
  /** Aborts a download in progress (the run was stopped). */
  signal?: AbortSignal;
  /** No byte for this long abandons the download (the partial file is kept). Default idleTimeoutMs(). */
  idleMs?: number;
}

async function verify(path: string, e: DownloadEntry): Promise<{ ok: boolean; got: string; sha256: string }> {
  const sha256 = await hashFile(path, 'sha256');
  if (e.sha256) return { ok: sha256 === e.sha256.toLowerCase(), got: sha256, sha256 };
  if (e.md5) {
    const md5 = await hashFile(path, 'md5');
    return { ok: md5 === e.md5.toLowerCase(), got: md5, sha256 };
  }
  return { ok: true, got: sha256, sha256 };
}

export interface Fetched {
  path: string;
  downloaded: boolean;
  bytes: number;
  seconds: number;
  sha256: string;
}

/**
 * The cached file for `name`, downloaded if missing. A partial download (<file>.part) is resumed
 * with a Range request; a file that fails its hash is deleted, never cached.
 */
export async function fetchCached(name: string, table: Record<string, DownloadEntry>, o: FetchOptions = {}) {
  const e = table[name];
  if (!e) throw new DownloadError(`no download named ${name} (known: ${Object.keys(table).join(', ')})`);
  const dir = o.cacheDir ?? cacheRoot();
  const file = fileNameOf(e);
  const dest = join(dir, file);
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  for (const candidate of [dest, ...(o.alsoLookIn ?? []).map((d) => join(d, file))]) {
    const s = await stat(candidate).catch(() => null);
    if (!s?.isFile()) continue;
    // A copy we did not write ourselves (Keras's cache) is checked before use; ours was checked before the rename.
    const v = candidate === dest ? null : await verify(candidate, e);
    if (v && !v.ok) {
      log(`ignoring ${candidate}: its hash ${v.got} does not match ${hashLabel(e)}`);
      continue;
    }
    return {
      path: candidate,
      downloaded: false,
      bytes: s.size,
      seconds: (performance.now() - t0) / 1000,
      sha256: v?.sha256 ?? '',
    };
  }
  await mkdir(dir, { recursive: true });
  const part = `${dest}.part`;
  try {
    await download(e.url, part, e.size ?? null, o.progress ?? progressPrinter(file), {
      signal: o.signal,
      idleMs: o.idleMs ?? idleTimeoutMs(),
    });
  } catch (err) {
    if (err instanceof DownloadCanceledError) throw err;
    throw new DownloadError(
      `could not download ${file} from ${e.url} (${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause?: Error }).cause!.message}` : ''}). ` +
        `Expected ${hashLabel(e)}. Without network, copy the file to ${dest}` +
        `${o.alsoLookIn?.length ? ` (or ${o.alsoLookIn.map((d) => join(d, file)).join(', ')})` : ''}, ` +
        'or point RUNBOARD_DOWNLOADS_MANIFEST at a mirror. A partial download is kept and resumed next time.',
    );
  }
  const v = await verify(part, e);
  if (!v.ok) {
    await rm(part, { force: true });
    throw new DownloadError(
      `${file} from ${e.url} failed its hash check: expected ${hashLabel(e)}, got ${e.sha256 ? 'sha256' : 'md5'} ${v.got}; the download was discarded`,
    );
  }
  if (!e.sha256 && !e.md5)
    log(`${file}: upstream publishes no hash; downloaded file has sha256 ${v.sha256} (pin it in a downloads manifest)`);
  await rename(part, dest);
  const bytes = (await stat(dest)).size;
  return { path: dest, downloaded: true, bytes, seconds: (performance.now() - t0) / 1000, sha256: v.sha256 };
}

/** GET into `part`, appending from its current size with a Range request when it already exists. */
async function download(
  url: string,
  part: string,
  knownSize: number | null,
  progress: (done: number, total: number | null, final?: boolean) => void,
  o: { signal?: AbortSignal; idleMs: number },
): Promise<void> {
  // A stalled mirror (connection open, no bytes) is abandoned after idleMs; a stop aborts at once.
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), o.idleMs);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), o.idleMs);
  };
  const signals = [idle.signal, AbortSignal.timeout(30 * 60_000), ...(o.signal ? [o.signal] : [])];
  try {
    await transfer(url, part, knownSize, progress, AbortSignal.any(signals), alive);
  } catch (e) {
    if (o.signal?.aborted)
      throw new DownloadCanceledError(`download of ${basename(part, '.part')} canceled: ${String(o.signal.reason)}`);
    if (idle.signal.aborted)
      throw new Error(`no data received for ${o.idleMs / 1000} s (RUNBOARD_DOWNLOAD_IDLE_SECONDS)`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function transfer(
  url: string,
  part: string,
  knownSize: number | null,
  progress: (done: number, total: number | null, final?: boolean) => void,
  signal: AbortSignal,
  alive: () => void,
): Promise<void> {
  const have = (await stat(part).catch(() => null))?.size ?? 0;
  const res = await fetch(url, { headers: have ? { range: `bytes=${have}-` } : {}, signal });
  alive();
  if (res.status === 416 && have) return; // already whole: the hash check decides
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const resumed = res.status === 206;
  const start = resumed ? have : 0;
  const len = Number(res.headers.get('content-length'));
  const total = Number.isFinite(len) && len > 0 ? start + len : knownSize;
  let done = start;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  body.on('data', (chunk: Buffer) => {
    alive();
    done += chunk.length;
    progress(done, total);
  });
  await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }), { signal });
  progress(done, total, true);
  if (total !== null && done < total) throw new Error(`connection closed after ${done} of ${total} bytes`);
}
