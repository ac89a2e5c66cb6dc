import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rb-artifacts-'));
  s = await startTestServer({ bounds: { ARTIFACT_DIR: path.join(dir, 'store') } });
});
after(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

test('a stored file replaced by a link is not followed: 404, nothing of the target sent', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "art-link" }) { id } }`);
  const base = s.url.replace('/graphql', '');
  const up = (await (
    await fetch(`${base}/artifacts/${createRun.id}/m.bin`, { method: 'PUT', body: 'mine' })
  ).json()) as any;
  assert.equal(await (await fetch(`${base}${up.downloadPath}`)).text(), 'mine');
  const secret = path.join(dir, 'secret.txt');
  await writeFile(secret, 'host secret');
  await rm(path.join(dir, 'store', up.id));
  await symlink(secret, path.join(dir, 'store', up.id));
  const down = await fetch(`${base}${up.downloadPath}`);
  const text = await down.text();
  assert.equal(down.status, 404, text);
  assert.doesNotMatch(text, /host secret/);
});

test('upload a file, list it on the run, download the same bytes; replace by name; delete', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "art" }) { id } }`);
  const base = s.url.replace('/graphql', '');
  const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
  const up = await fetch(`${base}/artifacts/${createRun.id}/model/weights.bin?kind=model`, {
    method: 'PUT',
    body: content,
  });
  assert.equal(up.status, 201);
  const uploaded = (await up.json()) as any;
  assert.equal(uploaded.sha256, createHash('sha256').update(content).digest('hex'));
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { artifacts { id name kind size sha256 uri downloadPath } } }`,
    { id: createRun.id },
  );
  assert.equal(run.artifacts.length, 1);
  assert.deepEqual(
    [run.artifacts[0].name, run.artifacts[0].kind, run.artifacts[0].size],
    ['model/weights.bin', 'model', 70_000],
  );
  const down = await fetch(`${base}${run.artifacts[0].downloadPath}`);
  assert.deepEqual(Buffer.from(await down.arrayBuffer()), content);
  // same name again replaces the record (and the old file)
  await fetch(`${base}/artifacts/${createRun.id}/model/weights.bin?kind=model`, { method: 'PUT', body: 'v2' });
  const after2 = await s.gql(`query($id: ID!) { run(id: $id) { artifacts { size } } }`, { id: createRun.id });
  assert.deepEqual(after2.run.artifacts, [{ size: 2 }]);
  assert.equal((await fetch(`${base}${run.artifacts[0].downloadPath}`)).status, 404);
  const reg = await s.gql(
    `mutation($id: ID!) { registerArtifact(input: { runId: $id, name: "data", kind: "dataset", uri: "s3://bucket/data.tar", size: 10, sha256: "${'a'.repeat(64)}" }) { id downloadPath } }`,
    { id: createRun.id },
  );
  assert.equal(reg.registerArtifact.downloadPath, null);
  const bad = await s.request(
    `mutation($id: ID!) { registerArtifact(input: { runId: $id, name: "x", uri: "u", size: 1, sha256: "nothex" }) { id } }`,
    { id: createRun.id },
  );
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const missing = await fetch(`${base}/artifacts/0d3c1a52-0000-4000-8000-000000000000/x`, { method: 'PUT', body: 'x' });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'NOT_FOUND');
  await s.gql(`mutation($id: ID!) { deleteArtifact(id: $id) }`, { id: reg.registerArtifact.id });
  assert.equal(
    (await s.gql(`query($id: ID!) { run(id: $id) { artifacts { id } } }`, { id: createRun.id })).run.artifacts.length,
    1,
  );
});
