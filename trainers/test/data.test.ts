import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeRng, shuffledIndices } from '@runboard/contract/rng';
import { makeImageFolders, maxAbsDiff, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import sharp from 'sharp';
import { applyTransform, augment, DEFAULT_AUGMENT, drawParams } from '../src/data/augment.ts';
import { exportFashionMnist, FMNIST_DIR, parseIdx } from '../src/data/fashion-mnist.ts';
import { loadImages, oneHot, scanFolder } from '../src/data/folder-dataset.ts';
import { decodeImage, preprocessInto } from '../src/data/image.ts';

test('scanFolder: classes sorted like flow_from_directory, labels by class index, non-images skipped', async (t) => {
  const root = await tempDir(t);
  await makeImageFolders(
    root,
    [
      { name: 'zebra', rgb: [1, 2, 3] },
      { name: 'ant', rgb: [4, 5, 6] },
    ],
    { train: 2 },
  );
  await writeFile(join(root, 'train', 'ant', 'notes.txt'), 'x');
  const ds = await scanFolder(join(root, 'train'));
  assert.deepEqual(ds.classes, ['ant', 'zebra']);
  assert.deepEqual(ds.labels, [0, 0, 1, 1]);
  assert.ok(ds.files.every((f) => f.endsWith('.png')));
  await assert.rejects(
    scanFolder(join(root, 'train'), ['ant', 'bee']),
    /has classes \[ant, zebra\] but training has \[ant, bee\]/,
  );
  await assert.rejects(scanFolder(join(root, 'missing')), /cannot read image folder/);
});

test('decodeImage: grayscale and RGBA become RGB at the requested size', async () => {
  const gray = await sharp(Buffer.alloc(10 * 10, 77), { raw: { width: 10, height: 10, channels: 1 } })
    .png()
    .toBuffer();
  const g = await decodeImage(gray, 32, 'nearest');
  assert.equal(g.length, 32 * 32 * 3);
  assert.ok(g.every((v) => v === 77));
  const rgba = await sharp(Buffer.from(Array.from({ length: 4 * 4 * 4 }, (_, i) => [10, 20, 30, 128][i % 4]!)), {
    raw: { width: 4, height: 4, channels: 4 },
  })
    .png()
    .toBuffer();
  const c = await decodeImage(rgba, 33, 'bilinear');
  assert.equal(c.length, 33 * 33 * 3);
  // alpha is dropped (not composited); sharp's resize may round by one level
  assert.ok(maxAbsDiff(c.subarray(0, 3), [10, 20, 30]) <= 1, `got ${[...c.subarray(0, 3)]}`);
});

test('preprocessing: rescale 1/255 and Keras caffe mode (BGR, ImageNet means)', () => {
  const px = [255, 0, 51];
  const r = new Float32Array(3);
  preprocessInto(px, 'rescale', r, 0);
  assert.deepEqual(
    [...r].map((v) => +v.toFixed(4)),
    [1, 0, 0.2],
  );
  const c = new Float32Array(3);
  preprocessInto(px, 'caffe', c, 0);
  assert.ok(maxAbsDiff(c, [51 - 103.939, 0 - 116.779, 255 - 123.68]) < 1e-4, `got ${[...c]}`);
});

test('augmentation: identity params reproduce the image; flip mirrors columns; seeded draws repeat', () => {
  const size = 8;
  const src = Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 7) % 256);
  const id = { theta: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, flip: false };
  assert.ok(maxAbsDiff(applyTransform(src, size, size, id), src) < 1e-4);
  const f = applyTransform(src, size, size, { ...id, flip: true });
  assert.equal(f[(2 * size + 0) * 3 + 1], src[(2 * size + size - 1) * 3 + 1]);
  // a 1-pixel height shift moves rows by one (input row = output row + 1)
  const sh = applyTransform(src, size, size, { ...id, tx: 1 });
  assert.equal(sh[(3 * size + 4) * 3], src[(4 * size + 4) * 3]);
  // 90 degree rotation about the centre maps the image onto itself without interpolation error
  const rot = applyTransform(src, size, size, { ...id, theta: 90 });
  // (Keras/scipy convention: output (r, c) samples input T(o) R T(-o) (r, c); (0,0) <- (7,0))
  assert.equal(Math.round(rot[(0 * size + 0) * 3]!), src[((size - 1) * size + 0) * 3]);
  const a = augment(src, size, DEFAULT_AUGMENT, makeRng(3));
  const b = augment(src, size, DEFAULT_AUGMENT, makeRng(3));
  assert.deepEqual(a, b);
  const p = drawParams(DEFAULT_AUGMENT, 150, 150, makeRng(9));
  assert.ok(Math.abs(p.theta) <= 40 && Math.abs(p.tx) <= 30 && Math.abs(p.ty) <= 30 && p.zx >= 0.8 && p.zx <= 1.2);
});

test('seeded shuffling is a deterministic permutation', () => {
  const a = shuffledIndices(50, makeRng(1));
  assert.deepEqual(a, shuffledIndices(50, makeRng(1)));
  assert.notDeepEqual(a, shuffledIndices(50, makeRng(2)));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test('oneHot and loadImages content hashes', async (t) => {
  assert.deepEqual([...oneHot([2, 0], 3)], [0, 0, 1, 1, 0, 0]);
  const root = await tempDir(t);
  await makeImageFolders(root, TWO_CLASSES, { train: 2 });
  const ds = await scanFolder(join(root, 'train'));
  const im = await loadImages(ds, 32, 'nearest');
  assert.equal(im.pixels.length, 4);
  assert.equal(new Set(im.contentHashes).size, 4);
});

test('IDX parsing checks the header against the payload', () => {
  const buf = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6]);
  const idx = parseIdx(buf);
  assert.deepEqual([idx.count, idx.rows, idx.cols, [...idx.data]], [2, 1, 2, [9, 8, 7, 6]]);
  assert.throws(() => parseIdx(buf.subarray(0, 19)), /payload is 3 bytes, header says 4/);
});

test('Fashion-MNIST export writes class-name folders of PNGs at the requested size', async (t) => {
  assert.ok(
    existsSync(`${FMNIST_DIR}/train-images-idx3-ubyte.gz`),
    'dataset-fashion-mnist must be installed (apt-get install -y dataset-fashion-mnist)',
  );
  const out = await tempDir(t);
  const s = await exportFashionMnist({ out, classes: [0, 9], size: 40, perClass: 3, valFraction: 0.1 });
  assert.deepEqual(s.counts.train, { 't-shirt': 3, 'ankle-boot': 3 });
  assert.deepEqual(s.counts.validation, { 't-shirt': 2, 'ankle-boot': 2 });
  assert.deepEqual((await readdir(join(out, 'test'))).sort(), ['ankle-boot', 't-shirt']);
  const ds = await scanFolder(join(out, 'train'));
  assert.deepEqual(ds.classes, ['ankle-boot', 't-shirt']);
  const meta = await sharp(ds.files[0]!).metadata();
  assert.deepEqual([meta.width, meta.height], [40, 40]);
  // validation comes from the end of the train set, disjoint from train
  const trainNames = new Set(await readdir(join(out, 'train', 't-shirt')));
  for (const n of await readdir(join(out, 'validation', 't-shirt'))) assert.ok(!trainNames.has(n));
});
