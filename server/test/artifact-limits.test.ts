// Artifact uploads from a hostile or broken client: a size limit answered 413, every check done before
// a byte is kept (no orphan files, no half rows), broken paths and ids refused with a code, and
// non-Latin-1 names downloadable (RFC 5987).
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

const MAX = 64 * 1024;
let s: TestServer;
let base: string;
let runId: string;
let db: pg.Pool;
const dir = () => `.data/test-${s.database.name}/artifacts`;
const files = async () => (await readdir(dir()).catch(() => [] as string[])).length;
const rows = async () => (await db.query(`SELECT count(*)::int AS n FROM artifacts`)).rows[0].n as number;

before(async () => {
  s = await startTestServer({ artifactMaxBytes: MAX });
  base = s.url.replace('/graphql', '');
  db = new pg.Pool({ connectionString: s.database.url, max: 1 });
  runId = (await s.gql(`mutation { createRun(input: { experimentName: "artifacts" }) { id } }`)).createRun.id;
});
after(async () => {
  await db.end();
  await s.close();
});

test('an upload over ARTIFACT_MAX_BYTES is 413 PAYLOAD_TOO_LARGE and leaves no file or row', async () => {
  const declared = await fetch(`${base}/artifacts/${runId}/big.bin`, { method: 'PUT', body: Buffer.alloc(MAX + 1) });
  assert.equal(declared.status, 413);
  assert.equal(((await declared.json()) as any).error.code, 'PAYLOAD_TOO_LARGE');
  // Chunked (no Content-Length): the limit is enforced while streaming.
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${base}/artifacts/${runId}/chunked.bin`, { method: 'PUT' }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(MAX / 4));
    req.end();
  }).catch(() => 413); // the server may close the connection while we still write
  assert.equal(status, 413);
  assert.equal(await files(), 0, 'no file left behind');
  assert.equal(await rows(), 0);
  const ok = await fetch(`${base}/artifacts/${runId}/small.bin`, { method: 'PUT', body: Buffer.alloc(MAX) });
  assert.equal(ok.status, 201);
  assert.equal(await files(), 1);
});

test('a rejected upload (kind > 64 characters) writes nothing at all', async () => {
  const before = [await files(), await rows()];
  const res = await fetch(`${base}/artifacts/${runId}/x.bin?kind=${'k'.repeat(65)}`, { method: 'PUT', body: 'data' });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as any).error.code, 'BAD_USER_INPUT');
  assert.deepEqual([await files(), await rows()], before);
});

test('broken percent-escapes and 36-dash ids get a code, never a 500', async () => {
  const bad = await fetch(`${base}/artifacts/${runId}/a%E0%A4%A`, { method: 'PUT', body: 'x' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.code, 'BAD_USER_INPUT');
  const get = await fetch(`${base}/artifacts/%E0%A4%A`);
  assert.equal(get.status, 400);
  const dashes = await fetch(`${base}/artifacts/${'-'.repeat(36)}`);
  assert.equal(dashes.status, 404);
  assert.equal(((await dashes.json()) as any).error.code, 'NOT_FOUND');
});

test('a non-Latin-1 file name downloads with an RFC 5987 Content-Disposition', async () => {
  const name = 'модель "v1" 猫.bin';
  const up = await fetch(`${base}/artifacts/${runId}/${encodeURIComponent(name)}`, { method: 'PUT', body: 'weights' });
  assert.equal(up.status, 201);
  const { downloadPath } = (await up.json()) as any;
  const down = await fetch(`${base}${downloadPath}`);
  assert.equal(down.status, 200);
  assert.equal(await down.text(), 'weights');
  const cd = down.headers.get('content-disposition')!;
  const star = /filename\*=UTF-8''([^;]+)/.exec(cd);
  assert.equal(decodeURIComponent(star![1]!), name);
  assert.match(cd, /filename="[\x20-\x7e]+"/);
});
