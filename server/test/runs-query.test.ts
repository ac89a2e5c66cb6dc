import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
const ids: Record<string, string> = {};
before(async () => {
  s = await startTestServer();
  const specs = [
    {
      name: 'a',
      config: { lr: 2e-5, batch: 20, optimizer: 'rmsprop' },
      acc: 0.91,
      tags: ['baseline'],
      status: 'FINISHED',
    },
    { name: 'b', config: { lr: 1e-4, batch: 20, optimizer: 'adam' }, acc: 0.95, tags: [], status: 'FINISHED' },
    { name: 'c', config: { lr: 1e-5, batch: 64, optimizer: 'adam' }, acc: 0.7, tags: ['baseline'], status: 'RUNNING' },
    { name: 'd', config: { lr: 5e-5, batch: 32 }, acc: null, tags: [], status: 'QUEUED' },
    { name: 'e', config: { lr: 3e-5, batch: 16, optimizer: 'sgd' }, acc: 0.5, tags: [], status: 'FAILED' },
  ];
  for (const spec of specs) {
    const { createRun } = await s.gql(
      `mutation($n: String, $c: JSON, $t: [String!]) { createRun(input: { experimentName: "sweep", name: $n, config: $c, tags: $t }) { id } }`,
      {
        n: spec.name,
        c: spec.config,
        t: spec.tags,
      },
    );
    const id = createRun.id;
    ids[spec.name] = id;
    if (spec.status === 'QUEUED') continue;
    await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });
    if (spec.acc !== null) {
      await s.gql(`mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq } }`, {
        id,
        p: [
          { key: 'val_acc', step: 0, value: spec.acc / 2 },
          { key: 'val_acc', step: 1, value: spec.acc },
        ],
      });
    }
    if (spec.status !== 'RUNNING')
      await s.gql(`mutation($id: ID!, $st: FinalRunStatus!) { finishRun(id: $id, status: $st) { id } }`, {
        id,
        st: spec.status,
      });
  }
});
after(() => s.close());

async function names(args: Record<string, unknown>): Promise<string[]> {
  const { runs } = await s.gql(
    `query($f: RunFilter, $o: [RunOrder!], $first: Int, $after: String) { runs(filter: $f, orderBy: $o, first: $first, after: $after) { nodes { name } } }`,
    args,
  );
  return runs.nodes.map((n: any) => n.name);
}

test('filter language over config and latest metrics, joined with status and tags', async () => {
  const where = (w: string, extra: Record<string, unknown> = {}) =>
    names({ f: { experimentName: 'sweep', where: w, ...extra }, o: [{ field: 'name' }] });
  assert.deepEqual(await where('config.lr < 1e-4 AND metrics.val_acc >= 0.9'), ['a']);
  assert.deepEqual(await where('config.lr <= 1e-4 AND metrics.val_acc >= 0.9'), ['a', 'b']);
  assert.deepEqual(await where('config.optimizer = "adam" OR config.batch BETWEEN 30 AND 40'), ['b', 'c', 'd']);
  assert.deepEqual(await where('NOT config.optimizer EXISTS'), ['d']);
  assert.deepEqual(await where('tags HAS "baseline" AND status != FAILED'), ['a', 'c']);
  assert.deepEqual(await where('max(metrics.val_acc) > 0.8', { status: ['FINISHED'] }), ['a', 'b']);
  assert.deepEqual(await names({ f: { experimentName: 'sweep', tags: ['baseline'], status: ['RUNNING'] } }), ['c']);
  const err = await s.request(`{ runs(filter: { where: "config.lr < 1e-4 AND" }) { totalCount } }`);
  assert.equal(err.errors?.[0].extensions.code, 'INVALID_FILTER');
  assert.equal(typeof err.errors?.[0].extensions.position, 'number');
});

test('ordering by config and metric fields, nulls last both ways', async () => {
  assert.deepEqual(await names({ o: [{ field: 'config.lr' }] }), ['c', 'a', 'e', 'd', 'b']);
  assert.deepEqual(await names({ o: [{ field: 'metrics.val_acc', direction: 'DESC' }] }), ['b', 'a', 'c', 'e', 'd']);
  assert.deepEqual(await names({ o: [{ field: 'metrics.val_acc', direction: 'ASC' }] }), ['e', 'c', 'a', 'b', 'd']);
  assert.deepEqual(
    await names({
      o: [
        { field: 'config.batch', direction: 'DESC' },
        { field: 'name', direction: 'DESC' },
      ],
    }),
    ['c', 'd', 'b', 'a', 'e'],
  );
});

test('cursor pagination walks every run exactly once in order, with totalCount', async () => {
  for (const o of [[{ field: 'metrics.val_acc', direction: 'DESC' }], [{ field: 'config.batch' }], undefined]) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { runs }: { runs: any } = await s.gql(
        `query($o: [RunOrder!], $after: String) { runs(orderBy: $o, first: 2, after: $after) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } }`,
        { o, after },
      );
      assert.equal(runs.totalCount, 5);
      seen.push(...runs.nodes.map((n: any) => n.name));
      if (!runs.pageInfo.hasNextPage) break;
      after = runs.pageInfo.endCursor;
    }
    const all = await names({ o, first: 50 });
    assert.deepEqual(seen, all, JSON.stringify(o));
    assert.equal(new Set(seen).size, 5);
  }
});

test('experiments list reports run counts by status and last activity', async () => {
  const { experiment } = await s.gql(
    `{ experiment(name: "sweep") { runCount lastActivityAt runCounts { status count } runs(where: "config.batch = 20") { totalCount } } }`,
  );
  assert.equal(experiment.runCount, 5);
  assert.deepEqual(Object.fromEntries(experiment.runCounts.map((c: any) => [c.status, c.count])), {
    FAILED: 1,
    FINISHED: 2,
    QUEUED: 1,
    RUNNING: 1,
  });
  assert.ok(Date.parse(experiment.lastActivityAt) > Date.now() - 60_000);
  assert.equal(experiment.runs.totalCount, 2);
});
