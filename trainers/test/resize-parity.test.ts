// Resize parity with Keras: load_img's default is PIL's NEAREST, and the trainer's nearest resize
// must pick the same source pixels. Checked against Debian's PIL on the same files at scale factors
// where sharp's nearest differed (Fashion-MNIST 28/32 -> 48 and others), up and down, non-square.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import { decodeImage } from '../src/data/image.ts';

const CASES: Array<[number, number, number]> = [
  [28, 28, 48], // Fashion-MNIST at the sizes the docs use
  [32, 32, 48],
  [100, 75, 150],
  [500, 374, 150], // a cats_vs_dogs-like photo down to the Keras example's 150
  [640, 480, 224],
];

test('nearest resize is pixel-equal to PIL (Keras load_img) at 5 scale factors', async (t) => {
  const dir = await tempDir(t);
  const out = execFileSync(
    '/usr/bin/python3',
    [join(import.meta.dirname, 'pil-resize.py'), dir, JSON.stringify(CASES)],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const pil = JSON.parse(out) as Record<string, string>;
  assert.equal(Object.keys(pil).length, CASES.length);
  for (const [w, h, size] of CASES) {
    const name = `src-${w}x${h}.png`;
    const got = Buffer.from(await decodeImage(join(dir, name), size, 'nearest')).toString('hex');
    const want = pil[`${name}->${size}`]!;
    let differ = 0;
    for (let i = 0; i < want.length; i += 2) if (got.slice(i, i + 2) !== want.slice(i, i + 2)) differ++;
    assert.equal(differ, 0, `${name} -> ${size}: ${differ} of ${want.length / 2} bytes differ from PIL`);
  }
});
