// The Keras example by name: `npm run train -- --data cats_vs_dogs --weights imagenet`, with the
// ImageNet weights and the cats_and_dogs_filtered zip fetched from a loopback HTTP server (this
// machine has no network) that RUNBOARD_DOWNLOADS_MANIFEST points at. The h5 is a generated
// Keras-layout file (random kernels) and the zip has the real archive's layout. Also: a download
// failing its hash is refused and not cached, an interrupted download resumes with Range, a
// zip-slip archive is refused, and no network gives an error that says where to put the file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type DownloadServer,
  makeCatsAndDogsZip,
  makeZipSlip,
  startDownloadServer,
} from '@runboard/test-kit/download-server';
import { tempDir } from '@runboard/test-kit/images';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import {
  type DownloadEntry,
  FASHION_MNIST_FILES,
  fetchCached,
  randomVggWeights,
  resolveData,
  resolveWeights,
  unzipTo,
  writeKerasH5Weights,
} from '@runboard/trainers/testing';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let s: TestServer;
let files: DownloadServer;
let h5: Buffer;
let zip: Buffer;
let fixtures: string;
let images = 0;

before(async () => {
  s = await startTestServer();
  fixtures = await (await import('node:fs/promises')).mkdtemp(join((await import('node:os')).tmpdir(), 'rb-keras-'));
  const h5Path = join(fixtures, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
  await writeKerasH5Weights(h5Path, randomVggWeights(11), 'old');
  h5 = await readFile(h5Path);
  const z = await makeCatsAndDogsZip(fixtures, { train: 4, validation: 2 });
  zip = await readFile(z.zip);
  images = z.images;
  files = await startDownloadServer({
    '/keras/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5': { body: h5 },
    '/mledu/cats_and_dogs_filtered.zip': { body: zip },
    '/flaky/blob.bin': { body: h5, cutAfter: Math.floor(h5.length / 3) },
    '/corrupt/blob.bin': { body: Buffer.concat([h5.subarray(0, 1000), Buffer.from('tampered')]) },
  });
});
after(async () => {
  await files?.close();
  await s?.close();
  await (await import('node:fs/promises')).rm(fixtures, { recursive: true, force: true });
});

function runTrain(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  // What `npm run train -- ...` runs (tsx trainers/src/cli.ts), without npm's process in between.
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'trainers/src/cli.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('--data cats_vs_dogs --weights imagenet: downloads once, verified; the second run downloads nothing and hits the feature cache', async (t) => {
  const dir = await tempDir(t, 'rb-keras-run-');
  const manifest = join(dir, 'downloads.json');
  await writeFile(
    manifest,
    JSON.stringify({
      vgg16_notop: { url: files.url('/keras/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), md5: md5(h5) },
      cats_and_dogs_filtered: { url: files.url('/mledu/cats_and_dogs_filtered.zip'), sha256: sha256(zip) },
    }),
  );
  const env = { RUNBOARD_DOWNLOADS_MANIFEST: manifest, RUNBOARD_CACHE_DIR: join(dir, 'cache'), HOME: dir };
  const args = (name: string) => [
    '--experiment',
    'keras-example',
    '--name',
    name,
    '--data',
    'cats_vs_dogs',
    '--weights',
    'imagenet',
    '--size',
    '48',
    '--epochs',
    '2',
    '--batch',
    '4',
    '--server',
    s.url,
    '--cache-dir',
    join(dir, 'features'),
    '--output',
    join(dir, 'models', name),
    '--journal',
    join(dir, `${name}.jsonl`),
  ];
  const before = files.requests.length;
  const first = await runTrain(args('first'), env);
  assert.equal(first.code, 0, first.out);
  const fetched = files.requests.slice(before).map((r) => r.path);
  assert.deepEqual(fetched.sort(), [
    '/keras/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    '/mledu/cats_and_dogs_filtered.zip',
  ]);
  assert.match(
    first.out,
    /weights: vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 \(md5 [0-9a-f]{32}\), [\d.]+ MB, downloaded/,
  );
  assert.match(first.out, /Epoch 2\/2 - [\d.]+s - loss: [\d.]+ - acc: [\d.]+ - val_loss: [\d.]+ - val_acc: [\d.]+/);
  assert.doesNotMatch(first.out, /looks like you are running TensorFlow\.js in Node\.js/);
  assert.match(first.out, /features \[block5_pool\]: train 8\/8 \(cache hits 0, computed 8\)/);
  assert.ok(existsSync(join(dir, 'cache', 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5')));
  assert.deepEqual(
    (await readdir(join(dir, 'cache'))).filter((f) => f.endsWith('.part')),
    [],
    'no partial files left',
  );

  const second = await runTrain(args('second'), env);
  assert.equal(second.code, 0, second.out);
  assert.equal(files.requests.length, before + 2, 'the second run downloaded nothing');
  assert.match(second.out, /weights: vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 .* loaded in/);
  assert.match(
    second.out,
    /features \[block5_pool\]: train 8\/8 \(cache hits 8, computed 0\), validation 4\/4 \(cache hits 4, computed 0\)/,
  );
  assert.equal(images, 12);

  const { experiment } = await s.gql(
    `{ experiment(name: "keras-example") { runs { nodes { name status systemInfo artifacts { name size } } } } }`,
  );
  const byName = Object.fromEntries(experiment.runs.nodes.map((r: any) => [r.name, r]));
  for (const name of ['first', 'second']) {
    assert.equal(byName[name]?.status, 'FINISHED', name);
    assert.equal(byName[name].systemInfo.randomInit, false);
    assert.equal(byName[name].systemInfo.data, 'cats_vs_dogs');
    assert.ok(byName[name].artifacts.some((a: any) => a.name === 'model/base.json'));
    const weightsBin = byName[name].artifacts.find((a: any) => a.name === 'model/weights.bin');
    assert.ok(weightsBin.size < 1e6, 'head only, not the whole model');
  }
});

test('a download failing its hash is refused and not cached', async (t) => {
  const cacheDir = await tempDir(t);
  const table: Record<string, DownloadEntry> = {
    blob: { url: files.url('/corrupt/blob.bin'), sha256: sha256(h5) },
  };
  await assert.rejects(fetchCached('blob', table, { cacheDir, progress: () => {} }), (e: Error) => {
    assert.match(
      e.message,
      /blob\.bin from http:\/\/127\.0\.0\.1:\d+\/corrupt\/blob\.bin failed its hash check: expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}/,
    );
    return true;
  });
  assert.deepEqual(await readdir(cacheDir), [], 'neither the file nor its partial download is kept');
});

test('an interrupted download is resumed with a Range request and then verified', async (t) => {
  const cacheDir = await tempDir(t);
  const table: Record<string, DownloadEntry> = { blob: { url: files.url('/flaky/blob.bin'), md5: md5(h5) } };
  const before = files.requests.length;
  await assert.rejects(fetchCached('blob', table, { cacheDir, progress: () => {} }), /could not download blob\.bin/);
  const partial = (await stat(join(cacheDir, 'blob.bin.part'))).size;
  assert.ok(partial > 0 && partial < h5.length, `partial ${partial}`);
  assert.ok(!existsSync(join(cacheDir, 'blob.bin')), 'nothing cached before the file is whole');
  const r = await fetchCached('blob', table, { cacheDir, progress: () => {} });
  assert.equal(r.downloaded, true);
  const reqs = files.requests.slice(before);
  assert.equal(reqs.length, 2);
  assert.equal(reqs[1]!.headers.range, `bytes=${partial}-`, 'resumed where it stopped');
  assert.deepEqual(await readFile(r.path), h5);
  assert.ok(!existsSync(join(cacheDir, 'blob.bin.part')));
});

test('no network: the error names the file, the URL, the hash and where to put the file', async (t) => {
  const cacheDir = await tempDir(t);
  const table = {
    vgg16_notop: {
      url: 'http://127.0.0.1:9/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
      md5: '6d6bbae143d832006294945121d1f1fc',
    },
  };
  await assert.rejects(resolveWeights('imagenet', { cacheDir, downloads: table, progress: () => {} }), (e: Error) => {
    assert.match(
      e.message,
      /^could not download vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 from http:\/\/127\.0\.0\.1:9\//,
    );
    assert.match(e.message, /Expected md5 6d6bbae143d832006294945121d1f1fc/);
    assert.ok(e.message.includes(join(cacheDir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5')), e.message);
    assert.match(e.message, /\.keras\/models\/vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
    return true;
  });
});

test('a weights file that is not HDF5 gets a sentence, not an HDF5 library error', async (t) => {
  const path = join(await tempDir(t), 'weights.h5');
  await writeFile(path, '<html>404 not found</html>');
  await assert.rejects(resolveWeights(path), /weights file .*weights\.h5 is not an HDF5 file: expected Keras weights/);
});

test('a zip entry escaping the extraction folder is refused and nothing is unpacked', async (t) => {
  const dir = await tempDir(t);
  makeZipSlip(join(dir, 'evil.zip'));
  await assert.rejects(unzipTo(join(dir, 'evil.zip'), join(dir, 'out', 'x')), /cannot unpack/);
  assert.ok(!existsSync(join(dir, 'out', 'evil.txt')));
  assert.ok(!existsSync(join(dir, 'out', 'x')));
});

test('fashion_mnist:A,B without the Debian files: the four files are fetched and verified, then exported', async (t) => {
  const dir = await tempDir(t);
  const debian = '/usr/share/datasets/fashion-mnist';
  const files = Object.fromEntries(
    await Promise.all(
      Object.entries(FASHION_MNIST_FILES).map(
        async ([name, file]) => [name, await readFile(join(debian, file))] as const,
      ),
    ),
  );
  const mirror = await startDownloadServer(
    Object.fromEntries(Object.entries(files).map(([name, body]) => [`/fmnist/${name}`, { body }])),
  );
  t.after(() => mirror.close());
  const downloads = Object.fromEntries(
    Object.entries(files).map(([name, body]) => [
      name,
      {
        url: mirror.url(`/fmnist/${name}`),
        sha256: sha256(body),
        file: FASHION_MNIST_FILES[name as keyof typeof FASHION_MNIST_FILES],
      },
    ]),
  );
  const saved = process.env.RUNBOARD_FASHION_MNIST_DIR;
  process.env.RUNBOARD_FASHION_MNIST_DIR = join(dir, 'not-installed');
  t.after(() => {
    if (saved === undefined) delete process.env.RUNBOARD_FASHION_MNIST_DIR;
    else process.env.RUNBOARD_FASHION_MNIST_DIR = saved;
  });
  const r = await resolveData(
    { data: 'fashion_mnist:0,9@3' },
    { roots: [dir], cacheDir: join(dir, 'cache'), downloads, progress: () => {} },
  );
  assert.equal(mirror.requests.length, 4);
  assert.deepEqual((await readdir(r.train)).sort(), ['ankle-boot', 't-shirt']);
  assert.equal((await readdir(join(r.train, 't-shirt'))).length, 3);
  assert.ok(r.test);
});
