// Fashion-MNIST (Debian package dataset-fashion-mnist: gzipped IDX files) -> train/validation/test
// folders of PNGs with one class-name subfolder each, the layout flow_from_directory expects.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

export const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FMNIST_CLASSES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle-boot',
];

export interface Idx {
  count: number;
  rows: number;
  cols: number;
  data: Uint8Array;
}

export function parseIdx(buf: Uint8Array): Idx {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0);
  if (magic >>> 8 !== 0x08) throw new Error(`not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  const dims = magic & 0xff;
  const shape = Array.from({ length: dims }, (_, i) => dv.getUint32(4 + 4 * i));
  const data = buf.subarray(4 + 4 * dims);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`IDX payload is ${data.length} bytes, header says ${expected}`);
  return { count: shape[0]!, rows: shape[1] ?? 1, cols: shape[2] ?? 1, data };
}

async function readIdx(path: string): Promise<Idx> {
  const raw = await readFile(path).catch(() => {
    throw new Error(`${path} not found: install it with \`apt-get install -y dataset-fashion-mnist\``);
  });
  return parseIdx(gunzipSync(raw));
}

export interface ExportOptions {
  out: string;
  classes: number[];
  size: number;
  perClass?: number; // train images per class (default: all)
  valPerClass?: number;
  testPerClass?: number;
  valFraction: number; // of the 60k training set, per class, when valPerClass is unset
  sourceDir?: string;
}

export interface ExportSummary {
  counts: Record<'train' | 'validation' | 'test', Record<string, number>>;
}

export async function exportFashionMnist(o: ExportOptions): Promise<ExportSummary> {
  const src = o.sourceDir ?? FMNIST_DIR;
  const [trX, trY, teX, teY] = (await Promise.all(
    [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ].map((f) => readIdx(join(src, f))),
  )) as [Idx, Idx, Idx, Idx];
  const byClass = (labels: Idx, c: number) => {
    const out: number[] = [];
    labels.data.forEach((l, i) => l === c && out.push(i));
    return out;
  };
  const summary: ExportSummary = { counts: { train: {}, validation: {}, test: {} } };
  const jobs: Array<{ images: Idx; index: number; path: string }> = [];
  for (const c of o.classes) {
    const name = FMNIST_CLASSES[c];
    if (!name) throw new Error(`class ${c} is not a Fashion-MNIST class (0-9)`);
    const all = byClass(trY, c);
    // The split is by position (deterministic): validation from the end of the train set.
    const nVal =
      o.valPerClass ?? (o.perClass ? Math.max(1, Math.round(o.perClass / 2)) : Math.round(all.length * o.valFraction));
    const valIdx = all.slice(all.length - nVal);
    const trainPool = all.slice(0, all.length - nVal);
    const trainIdx = o.perClass ? trainPool.slice(0, o.perClass) : trainPool;
    const testAll = byClass(teY, c);
    const nTest = o.testPerClass ?? (o.perClass ? Math.max(1, Math.round(o.perClass / 2)) : testAll.length);
    const testIdx = testAll.slice(0, nTest);
    for (const [split, images, idx] of [
      ['train', trX, trainIdx],
      ['validation', trX, valIdx],
      ['test', teX, testIdx],
    ] as const) {
      const dir = join(o.out, split, name);
      await mkdir(dir, { recursive: true });
      summary.counts[split][name] = idx.length;
      for (const i of idx) jobs.push({ images, index: i, path: join(dir, `${String(i).padStart(5, '0')}.png`) });
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      const { rows, cols, data } = j.images;
      const px = data.subarray(j.index * rows * cols, (j.index + 1) * rows * cols);
      let img = sharp(Buffer.from(px), { raw: { width: cols, height: rows, channels: 1 } });
      if (o.size !== rows || o.size !== cols) img = img.resize(o.size, o.size, { kernel: 'linear' });
      await img.png().toFile(j.path);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return summary;
}
