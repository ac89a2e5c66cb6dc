/**
 * Default run names ("run-<n>") are unique within an experiment: they come from a counter that only
 * grows, so deleting runs or creating them concurrently never hands out a name twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const CREATE = `mutation($input: CreateRunInput!) { createRun(input: $input) { id name } }`;
const create = async (experimentName: string): Promise<{ id: string; name: string }> =>
  (await s.gql(CREATE, { input: { experimentName } })).createRun;

const names = async (experimentName: string): Promise<string[]> => {
  const d = await s.gql(`query($e: String) { runs(filter: { experimentName: $e }, first: 100) { nodes { name } } }`, {
    e: experimentName,
  });
  return d.runs.nodes.map((r: { name: string }) => r.name);
};

test('a default name is not reused after the first run is deleted', async () => {
  const first = await create('names-after-delete');
  await create('names-after-delete');
  await create('names-after-delete');
  await s.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: first.id });
  const next = await create('names-after-delete');
  assert.equal(next.name, 'run-4');
  const all = await names('names-after-delete');
  assert.equal(all.length, 3);
  assert.equal(new Set(all).size, 3, `names repeat: ${all.join(', ')}`);
});

test('20 concurrent createRun calls get 20 distinct names', async () => {
  await create('names-concurrent'); // the experiment exists before the race, as when seeding
  const created = await Promise.all(Array.from({ length: 20 }, () => create('names-concurrent')));
  const got = created.map((r) => r.name);
  assert.equal(new Set(got).size, 20, `names repeat: ${got.sort().join(', ')}`);
  const expected = Array.from({ length: 20 }, (_, i) => `run-${i + 2}`).sort();
  assert.deepEqual([...got].sort(), expected);
});

test('a named run does not advance the counter', async () => {
  await s.gql(CREATE, { input: { experimentName: 'names-mixed', name: 'baseline' } });
  assert.equal((await create('names-mixed')).name, 'run-1');
});
