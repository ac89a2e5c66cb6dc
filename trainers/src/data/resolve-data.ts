// Where a run's images are: one resolver for the CLI and the agent. `data` names a data set
// ("cats_vs_dogs", "fashion_mnist:0,9") or a folder with train/ and validation/ (test/ optional);
// explicit train/val/test folders still work. Relative folders are looked up under a list of data
// roots (the agent's; the CLI's is its working directory), so a confinement policy plugs in by
// choosing the roots. Errors start with the cause, in words a user can act on.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  cacheRoot,
  DownloadCanceledError,
  type DownloadEntry,
  FASHION_MNIST_FILES,
  type FetchOptions,
  fetchCached,
  loadDownloads,
} from './downloads.ts';
import { exportFashionMnist, FMNIST_CLASSES, FMNIST_DIR } from './fashion-mnist.ts';
import { unzipTo } from './unzip.ts';

export interface DataRequest {
  data?: string;
  train?: string;
  val?: string;
  test?: string;
}

export interface ResolvedData {
  train: string;
  val: string;
  test?: string;
  /** What was asked for, for systemInfo ("cats_vs_dogs", "folder /srv/data/pets"). */
  source: string;
}

export interface ResolveContext {
  /** Absolute roots relative folders are looked up under, in order. */
  roots: string[];
  /** Named in errors ("... on agent gpu-1"). */
  agentName?: string;
  /** Download cache (RUNBOARD_CACHE_DIR). */
  cacheDir?: string;
  downloads?: Record<string, DownloadEntry>;
  log?: (line: string) => void;
  progress?: FetchOptions['progress'];
  /** Aborts a download in progress (the run was stopped). */
  signal?: AbortSignal;
}

/** A missing folder or data set: the run cannot start (the agent fails it before RUNNING). */
export class DataNotFoundError extends Error {}

export const NAMED_DATASETS = ['cats_vs_dogs', 'fashion_mnist:A,B'] as const;

const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() ?? false;

function where(ctx: ResolveContext): string {
  const roots = ctx.roots.length === 1 ? `data root ${ctx.roots[0]}` : `data roots ${ctx.roots.join(', ')}`;
  return `${roots}${ctx.agentName ? ` on agent ${ctx.agentName}` : ''}`;
}

/** The first root under which `p` is a folder (absolute paths are taken as they are). */
async function findFolder(role: string, p: string, ctx: ResolveContext): Promise<string> {
  const candidates = isAbsolute(p) ? [p] : ctx.roots.map((r) => resolve(r, p));
  for (const c of candidates) if (await isDir(c)) return c;
  // A path the agent already confined to one of its roots is named relative to that root, as the user wrote it.
  const root = isAbsolute(p) ? ctx.roots.find((r) => p.startsWith(`${r}${sep}`)) : undefined;
  if (root)
    throw new DataNotFoundError(
      `${role} folder ${relative(root, p)} not found under data root ${root}${ctx.agentName ? ` on agent ${ctx.agentName}` : ''}`,
    );
  throw new DataNotFoundError(
    isAbsolute(p)
      ? `${role} folder ${p} not found${ctx.agentName ? ` on agent ${ctx.agentName}` : ''}`
      : `${role} folder ${p} not found under ${where(ctx)}`,
  );
}

/** A class-per-subfolder folder must have at least one subfolder; said before any image is read. */
async function checkClassFolders(role: string, dir: string): Promise<void> {
  const subdirs = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
  if (!subdirs.length)
    throw new DataNotFoundError(
      `${role} folder ${dir} has no class subfolders: it must hold one folder of images per class (e.g. ${role}/cats, ${role}/dogs)`,
    );
}

async function catsVsDogs(ctx: ResolveContext): Promise<ResolvedData> {
  const cache = ctx.cacheDir ?? cacheRoot();
  const unpacked = join(cache, 'datasets', 'cats_and_dogs_filtered');
  // The zip holds a top folder cats_and_dogs_filtered/ with train/ and validation/.
  const inner = join(unpacked, 'cats_and_dogs_filtered');
  if (!(await isDir(join(inner, 'train')))) {
    const table = ctx.downloads ?? (await loadDownloads());
    const zip = await fetchCached('cats_and_dogs_filtered', table, {
      cacheDir: cache,
      log: ctx.log,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    ctx.log?.(`unpacking ${zip.path} into ${unpacked}`);
    await unzipTo(zip.path, unpacked);
    if (!(await isDir(join(inner, 'train'))) || !(await isDir(join(inner, 'validation'))))
      throw new DataNotFoundError(
        `${zip.path} does not have the cats_and_dogs_filtered layout (cats_and_dogs_filtered/train, cats_and_dogs_filtered/validation)`,
      );
  }
  return { train: join(inner, 'train'), val: join(inner, 'validation'), source: 'cats_vs_dogs' };
}

/** "fashion_mnist:0,9" or "fashion_mnist:0,9@200" (train images per class; default 1000). */
async function fashionMnist(spec: string, ctx: ResolveContext): Promise<ResolvedData> {
  const m = /^fashion_mnist:(\d(?:,\d)+)(?:@(\d+))?$/.exec(spec);
  if (!m)
    throw new DataNotFoundError(
      `data ${JSON.stringify(spec)}: write fashion_mnist:A,B[,...][@N] with class numbers 0-9 (${FMNIST_CLASSES.map((c, i) => `${i}=${c}`).join(', ')})`,
    );
  const classes = m[1]!.split(',').map(Number);
  const perClass = Number(m[2] ?? 1000);
  let sourceDir = process.env.RUNBOARD_FASHION_MNIST_DIR || FMNIST_DIR;
  if (!(await isDir(sourceDir))) {
    // No Debian package: the four files from Keras's mirror, verified against Keras's SHA-256s.
    const cache = ctx.cacheDir ?? cacheRoot();
    sourceDir = join(cache, 'fashion-mnist');
    const table = ctx.downloads ?? (await loadDownloads());
    try {
      for (const name of Object.keys(FASHION_MNIST_FILES))
        await fetchCached(name, table, {
          cacheDir: sourceDir,
          log: ctx.log,
          progress: ctx.progress,
          signal: ctx.signal,
        });
    } catch (e) {
      if (e instanceof DownloadCanceledError) throw e;
      throw new DataNotFoundError(
        `Fashion-MNIST files not found in ${FMNIST_DIR}${ctx.agentName ? ` on agent ${ctx.agentName}` : ''} and not downloadable: ${(e as Error).message} (or \`apt-get install -y dataset-fashion-mnist\`, or set RUNBOARD_FASHION_MNIST_DIR)`,
      );
    }
  }
  // Exported at the native 28 px: the trainer resizes once, to the run's size, as Keras's load_img would
  // (exports made at 32 px resized twice; the folder name keeps them from being reused).
  const out = join(ctx.cacheDir ?? cacheRoot(), 'datasets', `fashion_mnist-${classes.join('_')}-${perClass}-28px`);
  if (!(await isDir(join(out, 'test')))) {
    ctx.log?.(`exporting Fashion-MNIST classes ${classes.join(',')} (${perClass} per class) to ${out}`);
    const tmp = `${out}.tmp-${process.pid}`;
    await exportFashionMnist({ out: tmp, classes, size: 28, perClass, valFraction: 0.1, sourceDir });
    await import('node:fs/promises').then((fs) => fs.rename(tmp, out));
  }
  return { train: join(out, 'train'), val: join(out, 'validation'), test: join(out, 'test'), source: spec };
}

/** Resolves a run's data to absolute train/val(/test) folders, fetching named data sets if needed. */
export async function resolveData(req: DataRequest, ctx: ResolveContext): Promise<ResolvedData> {
  if (req.data === 'cats_vs_dogs') return catsVsDogs(ctx);
  if (req.data?.startsWith('fashion_mnist')) return fashionMnist(req.data, ctx);
  if (req.data) {
    const dir = await findFolder('data', req.data, ctx);
    const train = join(dir, 'train');
    const val = (await isDir(join(dir, 'validation'))) ? join(dir, 'validation') : join(dir, 'val');
    if (!(await isDir(train)))
      throw new DataNotFoundError(`train folder ${join(req.data, 'train')} not found under ${where(ctx)}`);
    if (!(await isDir(val)))
      throw new DataNotFoundError(`validation folder ${join(req.data, 'validation')} not found under ${where(ctx)}`);
    const test = (await isDir(join(dir, 'test'))) ? join(dir, 'test') : undefined;
    for (const [role, p] of [
      ['train', train],
      ['validation', val],
    ] as const)
      await checkClassFolders(role, p);
    return { train, val, test, source: `folder ${dir}` };
  }
  if (!req.train || !req.val)
    throw new DataNotFoundError(
      `no data given: set data (cats_vs_dogs, fashion_mnist:A,B or a folder with train/ and validation/) or train and val folders`,
    );
  const train = await findFolder('train', req.train, ctx);
  const val = await findFolder('validation', req.val, ctx);
  const test = req.test ? await findFolder('test', req.test, ctx) : undefined;
  await checkClassFolders('train', train);
  await checkClassFolders('validation', val);
  return { train, val, test, source: `folders ${train}, ${val}` };
}

/** What an agent can offer (agent info): its data roots, the named data sets and which are cached. */
export async function availableData(roots: string[], cacheDir = cacheRoot()) {
  return {
    dataRoots: roots,
    datasets: [
      {
        name: 'cats_vs_dogs',
        cached: await isDir(join(cacheDir, 'datasets', 'cats_and_dogs_filtered', 'cats_and_dogs_filtered', 'train')),
      },
      { name: 'fashion_mnist:A,B', cached: await isDir(process.env.RUNBOARD_FASHION_MNIST_DIR || FMNIST_DIR) },
    ],
    /** Folders directly under a root that hold a train/ folder: usable as `data`. */
    folders: (
      await Promise.all(
        roots.map(async (r) => {
          const dirs = (await readdir(r, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
          const usable = await Promise.all(
            dirs.slice(0, 200).map(async (e) => ((await isDir(join(r, e.name, 'train'))) ? e.name : null)),
          );
          return usable.filter((n): n is string => n !== null);
        }),
      )
    ).flat(),
  };
}
