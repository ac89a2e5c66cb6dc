/**
 * Managing many runs and saving dashboard views through the real API: bulk tag/archive/delete (all or
 * nothing), archived runs left out of lists by default, saved views per experiment, and the filter's
 * number-vs-string check against the runs actually stored.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

async function makeRuns(
  experimentName: string,
  n: number,
  config: (i: number) => Record<string, unknown> = () => ({}),
) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await s.gql(`mutation($input: CreateRunInput!) { createRun(input: $input) { id } }`, {
      input: { experimentName, name: `r${i}`, config: config(i), tags: ['keep'] },
    });
    ids.push(d.createRun.id);
  }
  return ids;
}

const listNames = async (experimentName: string, archived: boolean | null | undefined = undefined) => {
  const filter = archived === undefined ? `{ experimentName: $e }` : `{ experimentName: $e, archived: $a }`;
  const vars = archived === undefined ? '$e: String' : '$e: String, $a: Boolean';
  const d = await s.gql(
    `query(${vars}) { runs(filter: ${filter}, orderBy: [{ field: "name" }]) { totalCount nodes { name } } }`,
    { e: experimentName, a: archived },
  );
  return { names: d.runs.nodes.map((r: any) => r.name), total: d.runs.totalCount };
};

test('updateRuns adds and removes tags once, keeps their order, bumps each seq', async () => {
  const ids = await makeRuns('bulk-tags', 3);
  const d = await s.gql(
    `mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { addTags: ["seed-avg", "keep", "x"], removeTags: ["x"] }) { id tags seq } }`,
    { ids: [ids[2], ids[0]] },
  );
  assert.deepEqual(
    d.updateRuns.map((r: any) => r.id),
    [ids[2], ids[0]],
    'runs come back in the order asked',
  );
  for (const r of d.updateRuns) {
    assert.deepEqual(r.tags, ['keep', 'seed-avg']);
    assert.equal(r.seq, 2);
  }
  const untouched = await s.gql(`query($id: ID!) { run(id: $id) { tags seq } }`, { id: ids[1] });
  assert.deepEqual(untouched.run, { tags: ['keep'], seq: 1 });
  const removed = await s.gql(
    `mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { removeTags: ["keep"] }) { tags } }`,
    { ids: [ids[0]] },
  );
  assert.deepEqual(removed.updateRuns[0].tags, ['seed-avg']);
});

test('archived runs are hidden from lists by default and listed with archived: true or null', async () => {
  const ids = await makeRuns('bulk-archive', 3);
  const d = await s.gql(`mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { archived: true }) { archived } }`, {
    ids: [ids[1]],
  });
  assert.equal(d.updateRuns[0].archived, true);
  assert.deepEqual(await listNames('bulk-archive'), { names: ['r0', 'r2'], total: 2 });
  assert.deepEqual(await listNames('bulk-archive', true), { names: ['r1'], total: 1 });
  assert.deepEqual(await listNames('bulk-archive', null), { names: ['r0', 'r1', 'r2'], total: 3 });
  const exp = await s.gql(
    `{ experiment(name: "bulk-archive") { runs { totalCount } all: runs(archived: null) { totalCount } } }`,
  );
  assert.equal(exp.experiment.runs.totalCount, 2);
  assert.equal(exp.experiment.all.totalCount, 3);
  await s.gql(`mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { archived: false }) { id } }`, { ids: [ids[1]] });
  assert.deepEqual((await listNames('bulk-archive')).names, ['r0', 'r1', 'r2']);
});

test('bulk changes are all or nothing: one missing id changes and deletes nothing', async () => {
  const ids = await makeRuns('bulk-atomic', 2);
  const missing = '00000000-0000-4000-8000-000000000000';
  const upd = await s.request(
    `mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { addTags: ["new"], archived: true }) { id } }`,
    { ids: [...ids, missing] },
  );
  assert.equal(upd.errors?.[0].extensions.code, 'NOT_FOUND');
  assert.match(upd.errors?.[0].message, new RegExp(missing));
  const del = await s.request(`mutation($ids: [ID!]!) { deleteRuns(ids: $ids) }`, { ids: [ids[0], missing] });
  assert.equal(del.errors?.[0].extensions.code, 'NOT_FOUND');
  const after = await s.gql(
    `{ runs(filter: { experimentName: "bulk-atomic", archived: null }) { nodes { tags archived } } }`,
  );
  assert.deepEqual(
    after.runs.nodes.map((r: any) => [r.tags, r.archived]),
    [
      [['keep'], false],
      [['keep'], false],
    ],
  );
  const empty = await s.request(`mutation { updateRuns(ids: [], input: { archived: true }) { id } }`);
  assert.equal(empty.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const nothing = await s.request(`mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: {}) { id } }`, { ids });
  assert.equal(nothing.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const badTag = await s.request(`mutation($ids: [ID!]!) { updateRuns(ids: $ids, input: { addTags: [""] }) { id } }`, {
    ids,
  });
  assert.equal(badTag.errors?.[0].extensions.code, 'BAD_USER_INPUT');
});

test('deleteRuns deletes the runs with their metric rows and tells subscribers', async () => {
  const ids = await makeRuns('bulk-delete', 3);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: ids[0] });
  await s.gql(`mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "loss", step: 0, value: 1 }]) { seq } }`, {
    id: ids[0],
  });
  const exp = await s.gql(`{ experiment(name: "bulk-delete") { id } }`);
  const ws = s.ws();
  const events: any[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.subscribe(
      {
        query: `subscription($e: ID) { runChanged(experimentId: $e) { kind runId } }`,
        variables: { e: exp.experiment.id },
      },
      {
        next: (m) => {
          events.push(m.data?.runChanged);
          if (events.length === 2) resolve();
        },
        error: reject,
        complete: () => {},
      },
    );
  });
  // The subscription is live once a change made after subscribing arrives: poll with harmless updates.
  const deadline = Date.now() + 20_000;
  while (!events.length && Date.now() < deadline) {
    await s.gql(`mutation($id: ID!) { updateRun(id: $id, input: { notes: "ping" }) { id } }`, { id: ids[2] });
    await new Promise((r) => setTimeout(r, 100));
  }
  events.length = 0;
  const d = await s.gql(`mutation($ids: [ID!]!) { deleteRuns(ids: $ids) }`, { ids: [ids[0], ids[1]] });
  assert.deepEqual(d.deleteRuns, [ids[0], ids[1]]);
  await done;
  assert.deepEqual(events.map((e) => `${e.kind}:${e.runId}`).sort(), [`DELETED:${ids[0]}`, `DELETED:${ids[1]}`].sort());
  assert.deepEqual((await listNames('bulk-delete')).names, ['r2']);
  const c = new pg.Client({ connectionString: s.database.url });
  await c.connect();
  const { rows } = await c.query('SELECT count(*)::int AS n FROM metrics WHERE run_id = $1', [ids[0]]);
  await c.end();
  assert.equal(rows[0].n, 0);
});

test('saved views: save, replace by name, list by name, get, delete; bad input is a clear error', async () => {
  const { createExperiment: e } = await s.gql(`mutation { createExperiment(input: { name: "views" }) { id } }`);
  const save = (name: string, state: unknown) =>
    s.request(`mutation($i: SaveViewInput!) { saveView(input: $i) { id name state experimentId } }`, {
      i: { experimentId: e.id, name, state },
    });
  const first = (await save('best lr', { where: 'config.lr < 0.01', sort: 'metrics.val_acc:DESC' })).data!.saveView;
  assert.equal(first.experimentId, e.id);
  await save('all', {});
  const again = (await save('best lr', { where: 'config.lr < 0.1' })).data!.saveView;
  assert.equal(again.id, first.id, 'saving under the same name replaces the view');
  const list = await s.gql(`query($e: ID!) { savedViews(experimentId: $e) { name state } }`, { e: e.id });
  assert.deepEqual(list.savedViews, [
    { name: 'all', state: {} },
    { name: 'best lr', state: { where: 'config.lr < 0.1' } },
  ]);
  const one = await s.gql(`query($id: ID!) { savedView(id: $id) { name } }`, { id: first.id });
  assert.equal(one.savedView.name, 'best lr');
  assert.equal((await save('bad', [1, 2])).errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal((await save('', {})).errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const noExp = await s.request(`mutation($i: SaveViewInput!) { saveView(input: $i) { id } }`, {
    i: { experimentId: '00000000-0000-4000-8000-000000000000', name: 'x', state: {} },
  });
  assert.equal(noExp.errors?.[0].extensions.code, 'NOT_FOUND');
  const listMissing = await s.request(`{ savedViews(experimentId: "00000000-0000-4000-8000-000000000000") { id } }`);
  assert.equal(listMissing.errors?.[0].extensions.code, 'NOT_FOUND');
  assert.equal((await s.gql(`mutation($id: ID!) { deleteView(id: $id) }`, { id: first.id })).deleteView, first.id);
  const gone = await s.request(`mutation($id: ID!) { deleteView(id: $id) }`, { id: first.id });
  assert.equal(gone.errors?.[0].extensions.code, 'NOT_FOUND');
  await s.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: e.id });
  const c = new pg.Client({ connectionString: s.database.url });
  await c.connect();
  const { rows } = await c.query('SELECT count(*)::int AS n FROM saved_views WHERE experiment_id = $1', [e.id]);
  await c.end();
  assert.equal(rows[0].n, 0, 'views go with their experiment');
});

test('comparing a config number with a string (or the converse) is INVALID_FILTER at the literal', async () => {
  await makeRuns('typed', 3, (i) => ({ lr: [0.1, 0.01, 0.001][i], optimizer: i ? 'adam' : 'sgd', mixed: i ? 1 : 'a' }));
  const query = (where: string) =>
    s.request(
      `query($w: String) { runs(filter: { experimentName: "typed", where: $w }) { totalCount nodes { name } } }`,
      {
        w: where,
      },
    );
  const bad = await query('config.lr < "abc"');
  assert.equal(bad.errors?.[0].extensions.code, 'INVALID_FILTER');
  assert.equal(bad.errors?.[0].extensions.position, 12);
  assert.match(bad.errors?.[0].message, /config\.lr holds numbers/);
  const converse = await query('config.optimizer IN ("adam", 3)');
  assert.equal(converse.errors?.[0].extensions.code, 'INVALID_FILTER');
  assert.equal(converse.errors?.[0].extensions.position, 29);
  // Mixed and absent paths are left alone, and right types still work.
  assert.equal((await query('config.mixed = "a"')).data?.runs.totalCount, 1);
  assert.equal((await query('config.absent < "x"')).data?.runs.totalCount, 0);
  assert.equal((await query('config.lr < 0.05 AND config.optimizer = "adam"')).data?.runs.totalCount, 2);
  // Scope: the check looks at this experiment's runs only.
  await makeRuns('typed-other', 1, () => ({ lr: 'high' }));
  assert.equal((await query('config.lr = "high"')).errors?.[0].extensions.code, 'INVALID_FILTER');
});

test('a metric key no run in scope logged is INVALID_FILTER at the field, not 0 rows', async () => {
  const ids = await makeRuns('metric-typo', 2);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: ids[0] });
  await s.gql(
    `mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "val_acc", step: 0, value: 0.9 }]) { seq } }`,
    {
      id: ids[0],
    },
  );
  await makeRuns('metric-typo-empty', 0);
  const query = (where: string, experimentName = 'metric-typo') =>
    s.request(`query($e: String, $w: String) { runs(filter: { experimentName: $e, where: $w }) { totalCount } }`, {
      e: experimentName,
      w: where,
    });
  const bad = await query('status = QUEUED AND metrics.nonexistent > 1');
  assert.equal(bad.errors?.[0].extensions.code, 'INVALID_FILTER');
  assert.equal(bad.errors?.[0].extensions.position, 20);
  assert.match(bad.errors?.[0].message, /Unknown metric key "nonexistent"/);
  assert.equal((await query('max(metrics.val_accc) > 0')).errors?.[0].extensions.code, 'INVALID_FILTER');
  // Known keys still filter; EXISTS asks whether a key was logged, which is an answer either way.
  assert.equal((await query('metrics.val_acc > 0.5')).data?.runs.totalCount, 1);
  assert.equal((await query('NOT metrics.nonexistent EXISTS')).data?.runs.totalCount, 2);
  // Scope: keys of other experiments do not count; an experiment without runs matches nothing quietly.
  assert.equal((await query('metrics.a > 0', 'metric-typo')).errors?.[0].extensions.code, 'INVALID_FILTER');
  assert.equal((await query('metrics.val_acc > 0', 'no-such-experiment')).data?.runs.totalCount, 0);
});

test('Experiment.configKeys lists the flattened config paths of its runs, for filter completion', async () => {
  await makeRuns('config-keys', 2, (i) =>
    i ? { lr: 0.1, aug: { flip: true, zoom: { max: 2 } } } : { lr: 1, tags: [1], e: {} },
  );
  await makeRuns('config-keys-other', 1, () => ({ other: 1 }));
  const d = await s.gql(`{ experiment(name: "config-keys") { configKeys } }`);
  assert.deepEqual(d.experiment.configKeys, ['aug.flip', 'aug.zoom.max', 'e', 'lr', 'tags']);
});

test('Run.metrics(keys) returns only the asked keys, for a page of runs in one go', async () => {
  const ids = await makeRuns('metric-keys', 2);
  for (const id of ids) {
    await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });
    await s.gql(
      `mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "a", step: 0, value: 1 }, { key: "b", step: 0, value: 2 }, { key: "c", step: 0, value: 3 }]) { seq } }`,
      { id },
    );
  }
  const d = await s.gql(
    `{ runs(filter: { experimentName: "metric-keys" }, orderBy: [{ field: "name" }]) { nodes { name some: metrics(keys: ["c", "a", "zz"]) { key lastValue } all: metrics { key } } } }`,
  );
  for (const run of d.runs.nodes) {
    assert.deepEqual(run.some, [
      { key: 'a', lastValue: 1 },
      { key: 'c', lastValue: 3 },
    ]);
    assert.deepEqual(
      run.all.map((m: any) => m.key),
      ['a', 'b', 'c'],
    );
  }
});

test('metricKeys(experimentId) lists the keys logged by that experiment only, sorted', async () => {
  const [a] = await makeRuns('keys-a', 1);
  const [b] = await makeRuns('keys-b', 1);
  for (const [id, keys] of [
    [a, ['z', 'm', 'shared']],
    [b, ['other', 'shared']],
  ] as const) {
    await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });
    await s.gql(`mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq } }`, {
      id,
      p: keys.map((key) => ({ key, step: 0, value: 1 })),
    });
  }
  const exp = await s.gql(`{ experiment(name: "keys-a") { id } }`);
  const d = await s.gql(`query($e: ID) { metricKeys(experimentId: $e) }`, { e: exp.experiment.id });
  assert.deepEqual(d.metricKeys, ['m', 'shared', 'z']);
  const none = await s.gql(`{ metricKeys(experimentId: "not-a-uuid") }`);
  assert.deepEqual(none.metricKeys, []);
});
