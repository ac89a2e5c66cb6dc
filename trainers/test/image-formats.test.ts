// Every format Keras's flow_from_directory reads decodes to the pixels PIL gives (BMP 1/8/24/32-bit
// and Netpbm plain/raw/16-bit through our decoders, TIFF through sharp, CMYK converted with PIL's
// formula), checked against Debian's PIL on the same files. scanFolder lists them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import { decodeBmp } from '../src/data/bmp.ts';
import { scanFolder } from '../src/data/folder-dataset.ts';
import { decodeImage } from '../src/data/image.ts';

const PYTHON = '/usr/bin/python3'; // Debian's, with python3-pil

test('BMP, PPM/PGM/PBM (plain, raw, 16-bit), TIFF and CMYK JPEG/TIFF decode to exactly the RGB PIL gives', async (t) => {
  const dir = await tempDir(t);
  const out = execFileSync(PYTHON, [join(import.meta.dirname, 'pil-formats.py'), dir], { encoding: 'utf8' });
  const pil = JSON.parse(out) as Record<string, { mode?: string; rgb?: string; error?: string }>;
  assert.equal(Object.keys(pil).length, 15);
  for (const [name, want] of Object.entries(pil)) {
    assert.ok(want.rgb, `PIL could not read ${name}: ${want.error}`);
    const got = await decodeImage(join(dir, name), 12, 'nearest');
    assert.equal(Buffer.from(got).toString('hex'), want.rgb, `${name} (PIL mode ${want.mode})`);
  }
  // flow_from_directory would list them all
  const cls = join(dir, 'split', 'things');
  await mkdir(cls, { recursive: true });
  for (const name of Object.keys(pil)) await rename(join(dir, name), join(cls, name));
  assert.equal((await scanFolder(join(dir, 'split'))).files.length, 15);
});

test('a top-down BMP (negative height) reads rows in file order; RLE is refused by name', async (t) => {
  const dir = await tempDir(t);
  execFileSync(PYTHON, [join(import.meta.dirname, 'pil-formats.py'), dir], { encoding: 'utf8' });
  const bmp = await readFile(join(dir, 'rgb24.bmp'));
  const bottomUp = decodeBmp(bmp);
  const flipped = Buffer.from(bmp);
  const off = flipped.readUInt32LE(10);
  const stride = Math.ceil((12 * 24) / 32) * 4;
  for (let y = 0; y < 12; y++) bmp.copy(flipped, off + y * stride, off + (11 - y) * stride, off + (12 - y) * stride);
  flipped.writeInt32LE(-12, 22);
  assert.deepEqual(decodeBmp(flipped).rgb, bottomUp.rgb);
  const rle = Buffer.from(bmp);
  rle.writeUInt32LE(1, 30);
  await writeFile(join(dir, 'rle.bmp'), rle);
  await assert.rejects(decodeImage(join(dir, 'rle.bmp'), 12, 'nearest'), /BMP with RLE8 compression is not supported/);
});
