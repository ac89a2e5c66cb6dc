import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

let s: TestServer;
let db: pg.Client;
before(async () => {
  s = await startTestServer();
  db = new pg.Client({ connectionString: s.database.url });
  await db.connect();
});
after(async () => {
  await db.end();
  await s.close();
});

const LOG = `mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq accepted } }`;

async function runningRun(experiment = 'metrics', config: Record<string, unknown> = {}): Promise<string> {
  const { createRun } = await s.gql(
    `mutation($e: String, $c: JSON) { createRun(input: { experimentName: $e, config: $c }) { id } }`,
    { e: experiment, c: config },
  );
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return createRun.id;
}

const summary = (id: string) =>
  s
    .gql(
      `query($id: ID!) { run(id: $id) { metrics { key count firstStep lastStep lastValue min minStep max maxStep } } }`,
      { id },
    )
    .then((d) => d.run.metrics);

test('epoch metrics round-trip with history, summaries and NaN/Infinity kept faithfully', async () => {
  const id = await runningRun();
  const epochs = [
    { loss: 0.69, acc: 0.52, val_loss: 0.66, val_acc: 0.6 },
    { loss: 0.41, acc: 0.81, val_loss: 0.45, val_acc: 0.84 },
    { loss: 'NaN', acc: 0.5, val_loss: 'Infinity', val_acc: 0.5 },
  ];
  for (const [step, e] of epochs.entries()) {
    const points = Object.entries(e).map(([key, value]) => ({ key, step, value }));
    const { logMetrics } = await s.gql(LOG, { id, p: points });
    assert.equal(logMetrics.accepted, 4);
  }
  const m = Object.fromEntries((await summary(id)).map((x: any) => [x.key, x]));
  assert.deepEqual(m.loss, {
    key: 'loss',
    count: 3,
    firstStep: 0,
    lastStep: 2,
    lastValue: 'NaN',
    min: 0.41,
    minStep: 1,
    max: 0.69,
    maxStep: 0,
  });
  assert.deepEqual(m.val_loss, {
    key: 'val_loss',
    count: 3,
    firstStep: 0,
    lastStep: 2,
    lastValue: 'Infinity',
    min: 0.45,
    minStep: 1,
    max: 'Infinity',
    maxStep: 2,
  });
  assert.equal(m.val_acc.max, 0.84);
  const { rows } = await db.query(`SELECT value FROM metrics WHERE run_id = $1 AND key = 'loss' AND step = 2`, [id]);
  assert.ok(Number.isNaN(rows[0].value), 'NaN stored as NaN, not null');
  const hist = await s.gql(`query($id: ID!) { run(id: $id) { history(key: "val_loss") { step value } } }`, { id });
  assert.deepEqual(hist.run.history, [
    { step: 0, value: 0.66 },
    { step: 1, value: 0.45 },
    { step: 2, value: 'Infinity' },
  ]);
  const series = await s.gql(
    `query($id: ID!) { metricSeries(runIds: [$id], keys: ["loss", "val_loss"]) { columns { value min max } points { value min } } }`,
    { id },
  );
  assert.deepEqual(series.metricSeries[0].columns, {
    value: [0.69, 0.41, 'NaN'],
    min: [0.69, 0.41, null],
    max: [0.69, 0.41, null],
  });
  assert.deepEqual(series.metricSeries[0].points.at(-1), { value: 'NaN', min: null });
  assert.deepEqual(series.metricSeries[1].columns.value, [0.66, 0.45, 'Infinity']);
  const bad = await s.request(LOG, { id, p: [{ key: 'loss', step: 3, value: 'nan-ish' }] });
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
});

test('re-logging the same (run, key, step) replaces it; extremes are recomputed; retries are idempotent', async () => {
  const id = await runningRun();
  const batch = [0, 1, 2, 3].map((step) => ({ key: 'loss', step, value: [5, 1, 3, 4][step] }));
  await s.gql(LOG, { id, p: batch });
  await s.gql(LOG, { id, p: batch }); // a retry after a lost response
  let m = (await summary(id))[0];
  assert.equal(m.count, 4);
  assert.equal(m.min, 1);
  // Replace the minimum: the old extreme must disappear from the summary.
  await s.gql(LOG, { id, p: [{ key: 'loss', step: 1, value: 2 }] });
  m = (await summary(id))[0];
  assert.deepEqual([m.count, m.min, m.minStep, m.max, m.maxStep, m.lastValue], [4, 2, 1, 5, 0, 4]);
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM metrics WHERE run_id = $1`, [id]);
  assert.equal(rows[0].n, 4);
  // Duplicates inside one batch: the later one wins.
  const dup = await s.gql(LOG, {
    id,
    p: [
      { key: 'acc', step: 0, value: 0.1 },
      { key: 'acc', step: 0, value: 0.9 },
    ],
  });
  assert.equal(dup.logMetrics.accepted, 1);
  assert.equal((await summary(id)).find((x: any) => x.key === 'acc').lastValue, 0.9);
});

test('truncateMetrics removes later steps and rebuilds summaries (resume from checkpoint)', async () => {
  const id = await runningRun();
  await s.gql(LOG, { id, p: Array.from({ length: 10 }, (_, step) => ({ key: 'val_acc', step, value: step / 10 })) });
  const { truncateMetrics } = await s.gql(
    `mutation($id: ID!) { truncateMetrics(runId: $id, afterStep: 4) { deleted } }`,
    { id },
  );
  assert.equal(truncateMetrics.deleted, 5);
  const m = (await summary(id))[0];
  assert.deepEqual([m.count, m.lastStep, m.lastValue, m.max, m.maxStep], [5, 4, 0.4, 0.4, 4]);
  const series = await s.gql(
    `query($id: ID!) { metricSeries(runIds: [$id], keys: ["val_acc"], maxPoints: 2) { downsampled columns { step max } } }`,
    { id },
  );
  assert.equal(series.metricSeries[0].columns.step.at(-1), 4, 'rollups were rebuilt too');
});

test('logging is refused for runs that are not running, and nothing is written', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "metrics" }) { id } }`);
  const queued = await s.request(LOG, { id: createRun.id, p: [{ key: 'a', step: 0, value: 1 }] });
  assert.equal(queued.errors?.[0].extensions.code, 'RUN_NOT_ACTIVE');
  assert.match(queued.errors![0].message, /startRun/);
  const id = await runningRun();
  await s.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id });
  const done = await s.request(LOG, { id, p: [{ key: 'a', step: 0, value: 1 }] });
  assert.equal(done.errors?.[0].extensions.code, 'RUN_NOT_ACTIVE');
  const unknown = await s.request(LOG, {
    id: '0d3c1a52-0000-4000-8000-000000000000',
    p: [{ key: 'a', step: 0, value: 1 }],
  });
  assert.equal(unknown.errors?.[0].extensions.code, 'NOT_FOUND');
  // One bad point fails the whole request: no partial batch.
  const live = await runningRun();
  const bad = await s.request(LOG, {
    id: live,
    p: [
      { key: 'ok', step: 0, value: 1 },
      { key: '', step: 1, value: 1 },
    ],
  });
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const negative = await s.request(LOG, { id: live, p: [{ key: 'ok', step: -1, value: 1 }] });
  assert.equal(negative.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM metrics WHERE run_id = ANY($1)) + (SELECT count(*) FROM metric_latest WHERE run_id = ANY($1)) AS n`,
    [[createRun.id, id, live]],
  );
  assert.equal(Number(rows[0].n), 0);
});

test('a large batch is chunked inside one transaction', async () => {
  const id = await runningRun();
  const points = Array.from({ length: 12_345 }, (_, i) => ({
    key: ['loss', 'acc', 'lr'][i % 3]!,
    step: Math.floor(i / 3),
    value: Math.sin(i),
  }));
  const { logMetrics } = await s.gql(LOG, { id, p: points });
  assert.equal(logMetrics.accepted, 12_345);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs FROM metrics WHERE run_id = $1`,
    [id],
  );
  assert.deepEqual(rows[0], { n: 12_345, seqs: 1 });
});

test('50 concurrent loggers: every point lands exactly once', async () => {
  const ids = await Promise.all(Array.from({ length: 5 }, () => runningRun('concurrent')));
  await Promise.all(
    Array.from({ length: 50 }, async (_, w) => {
      for (let epoch = 0; epoch < 4; epoch++) {
        const points = ['loss', 'acc'].map((k) => ({ key: `${k}_${w}`, step: epoch, value: w + epoch / 10 }));
        await s.gql(LOG, { id: ids[w % 5], p: points });
      }
    }),
  );
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM metrics WHERE run_id = ANY($1)`, [ids]);
  assert.equal(rows[0].n, 50 * 4 * 2);
  const seqs = await db.query(
    `SELECT run_id, array_agg(seq ORDER BY seq) AS s FROM metric_batches WHERE run_id = ANY($1) GROUP BY run_id`,
    [ids],
  );
  for (const r of seqs.rows) assert.equal(new Set(r.s).size, 40, 'each batch got its own seq');
});

test('metricSeries: raw when small; downsampled with min/max kept (spikes survive) when long', async () => {
  const id = await runningRun();
  const steps = 5000;
  const points = Array.from({ length: steps }, (_, step) => ({
    key: 'loss',
    step,
    value: step === 3333 ? 100 : 1 - step / steps,
  }));
  await s.gql(LOG, { id, p: points });
  const q = `query($ids: [ID!]!, $k: [String!]!, $m: Int) { metricSeries(runIds: $ids, keys: $k, maxPoints: $m) {
    runId key downsampled bucketSize totalPoints columns { step value min max wallTime } points { step value min max } } }`;
  const raw = (await s.gql(q, { ids: [id], k: ['loss'], m: 10_000 })).metricSeries[0];
  assert.equal(raw.downsampled, false);
  assert.equal(raw.columns.step.length, steps);
  const ds = (await s.gql(q, { ids: [id], k: ['loss'], m: 200 })).metricSeries[0];
  assert.equal(ds.downsampled, true);
  assert.equal(ds.totalPoints, steps);
  assert.ok(ds.columns.step.length <= 200 && ds.columns.step.length >= 100, `${ds.columns.step.length} points`);
  assert.equal(Math.max(...ds.columns.max), 100, 'the spike survives downsampling');
  assert.equal(Math.min(...ds.columns.min), 1 - (steps - 1) / steps);
  assert.equal(ds.columns.step.at(-1), steps - 1, 'the last point is exact');
  assert.equal(ds.points.length, ds.columns.step.length);
  for (let i = 1; i < ds.columns.step.length; i++) assert.ok(ds.columns.step[i] > ds.columns.step[i - 1]);
  // At most 8x too long: bucketed from history with an exact width, so close to maxPoints points.
  const near = (await s.gql(q, { ids: [id], k: ['loss'], m: 1000 })).metricSeries[0];
  assert.deepEqual([near.downsampled, near.bucketSize, near.columns.step.length], [true, 5, 1000]);
  assert.equal(Math.max(...near.columns.max), 100, 'the spike survives');
  assert.equal(near.columns.step.at(-1), steps - 1);
  const none = await s.gql(q, { ids: [id, 'not-a-run'], k: ['nope'], m: 100 });
  assert.deepEqual(none.metricSeries, []);
});

test('compareRuns: config differences and final/best per metric with the step reached, any number of runs', async () => {
  const configs = [
    { lr: 2e-5, batch: 20, optimizer: { name: 'rmsprop' } },
    { lr: 1e-4, batch: 20, optimizer: { name: 'rmsprop' } },
    { lr: 1e-4, batch: 32, optimizer: { name: 'adam' }, augment: true },
  ];
  const ids: string[] = [];
  for (const [i, c] of configs.entries()) {
    const id = await runningRun('compare', c);
    ids.push(id);
    const curve = [0.5, [0.7, 0.8, 0.9][i]!, 0.65];
    await s.gql(LOG, {
      id,
      p: curve.flatMap((v, step) => [
        { key: 'val_acc', step, value: v },
        { key: 'val_loss', step, value: 1 - v },
        { key: 'lr', step, value: c.lr },
        { key: 'phase', step, value: step > 1 ? 1 : 0 },
      ]),
    });
  }
  const many = await Promise.all(Array.from({ length: 60 }, () => runningRun('compare')));
  const { compareRuns } = await s.gql(
    `query($ids: [ID!]!) { compareRuns(runIds: $ids) {
        runs { id } diff: config { path values differs } all: config(differencesOnly: false) { path differs }
        metrics { key goal bestRunId results { runId final finalStep best bestStep } } } }`,
    { ids: [...ids, ...many] },
  );
  assert.equal(compareRuns.runs.length, 63);
  const diffPaths = compareRuns.diff.map((r: any) => r.path);
  assert.deepEqual(diffPaths, ['augment', 'batch', 'lr', 'optimizer.name']);
  const acc = compareRuns.metrics.find((m: any) => m.key === 'val_acc');
  assert.equal(acc.goal, 'MAXIMIZE');
  assert.equal(acc.bestRunId, ids[2]);
  assert.deepEqual(acc.results[2], { runId: ids[2], final: 0.65, finalStep: 2, best: 0.9, bestStep: 1 });
  assert.equal(acc.results[10].final, null);
  const loss = compareRuns.metrics.find((m: any) => m.key === 'val_loss');
  assert.equal(loss.goal, 'MINIMIZE');
  assert.equal(loss.results[0].bestStep, 1);
  // No goal known for lr or phase: shown with their final values, never ranked.
  for (const key of ['lr', 'phase']) {
    const m = compareRuns.metrics.find((x: any) => x.key === key);
    assert.equal(m.goal, null, key);
    assert.equal(m.bestRunId, null, key);
    assert.equal(m.results[0].best, null, key);
    assert.ok(m.results[0].final !== null, key);
  }
  const given = await s.gql(
    `query($ids: [ID!]!) { compareRuns(runIds: $ids, keys: ["lr"], goals: [{ key: "lr", goal: MINIMIZE }]) { metrics { key goal bestRunId } } }`,
    { ids },
  );
  assert.deepEqual(given.compareRuns.metrics, [{ key: 'lr', goal: 'MINIMIZE', bestRunId: ids[0] }]);
  const unknown = await s.request(`{ compareRuns(runIds: ["0d3c1a52-0000-4000-8000-000000000000"]) { runs { id } } }`);
  assert.equal(unknown.errors?.[0].extensions.code, 'NOT_FOUND');
  const keys = await s.gql(`query($ids: [ID!]) { metricKeys(runIds: $ids) }`, { ids });
  assert.deepEqual(keys.metricKeys, ['lr', 'phase', 'val_acc', 'val_loss']);
});

test('deleting a run or an experiment deletes all their metric rows (history and rollups have no foreign key)', async () => {
  const counts = async (ids: string[]) => {
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM metrics WHERE run_id = ANY($1))::int AS m, (SELECT count(*) FROM metric_rollups WHERE run_id = ANY($1))::int AS r,
              (SELECT count(*) FROM metric_latest WHERE run_id = ANY($1))::int AS l, (SELECT count(*) FROM metric_batches WHERE run_id = ANY($1))::int AS b`,
      [ids],
    );
    return rows[0];
  };
  const a = await runningRun('purge-a');
  const b = await runningRun('purge-b');
  const c = await runningRun('purge-b');
  for (const id of [a, b, c])
    await s.gql(LOG, { id, p: Array.from({ length: 40 }, (_, step) => ({ key: 'loss', step, value: step })) });
  assert.ok((await counts([a])).m === 40 && (await counts([a])).r > 0);
  await s.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: a });
  assert.deepEqual(await counts([a]), { m: 0, r: 0, l: 0, b: 0 });
  const { experiment } = await s.gql(`{ experiment(name: "purge-b") { id } }`);
  await s.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: experiment.id });
  assert.deepEqual(await counts([b, c]), { m: 0, r: 0, l: 0, b: 0 });
  const again = await s.request(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: experiment.id });
  assert.equal(again.errors?.[0].extensions.code, 'NOT_FOUND');
});

test('the column form of logMetrics logs the same points; ragged columns are refused', async () => {
  const id = await runningRun();
  const { logMetrics } = await s.gql(
    `mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`,
    {
      id,
      c: {
        keys: ['loss', 'loss', 'acc'],
        steps: [0, 1, 1],
        values: [0.9, 'NaN', 0.6],
        wallTimes: ['2026-11-28T08:00:00.000Z', '2026-11-28T08:00:01.000Z', '2026-11-28T08:00:01.000Z'],
      },
    },
  );
  assert.equal(logMetrics.accepted, 3);
  const hist = await s.gql(`query($id: ID!) { run(id: $id) { history(key: "loss") { step value wallTime } } }`, { id });
  assert.deepEqual(hist.run.history, [
    { step: 0, value: 0.9, wallTime: '2026-11-28T08:00:00.000Z' },
    { step: 1, value: 'NaN', wallTime: '2026-11-28T08:00:01.000Z' },
  ]);
  const ragged = await s.request(
    `mutation($id: ID!) { logMetrics(runId: $id, columns: { keys: ["a", "b"], steps: [0], values: [1, 2] }) { accepted } }`,
    { id },
  );
  assert.equal(ragged.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const empty = await s.request(`mutation($id: ID!) { logMetrics(runId: $id) { accepted } }`, { id });
  assert.equal(empty.errors?.[0].extensions.code, 'BAD_USER_INPUT');
});

test('metricSeries: a request too big to bucket from history reads the rollups, with the same min/max/last per bucket', async () => {
  // 8 runs x 2 keys x 6,300 steps = 100,800 raw points: over the 100,000-point raw-bucketing budget, and
  // each series is between maxPoints and 8x maxPoints long (the shape that used to be bucketed from history).
  const steps = 6300;
  const keys = ['loss', 'val_acc'];
  const ids: string[] = [];
  for (let r = 0; r < 8; r++) {
    const id = await runningRun('rollup-budget');
    const points = keys.flatMap((key, k) =>
      Array.from({ length: steps }, (_, step) => ({
        key,
        step,
        // spikes and a NaN so min/max and "last" are not trivially the bucket edges
        value: step === 777 + r ? Number.NaN : step % 97 === r ? 50 + r : Math.sin(step / 40 + r + k),
      })),
    );
    await s.gql(LOG, { id, p: points.map((p) => ({ ...p, value: Number.isNaN(p.value) ? 'NaN' : p.value })) });
    ids.push(id);
  }
  const q = `query($ids: [ID!]!, $k: [String!]!, $m: Int) { metricSeries(runIds: $ids, keys: $k, maxPoints: $m) {
    runId key downsampled bucketSize totalPoints columns { step value min max } } }`;
  const { metricSeries } = await s.gql(q, { ids, k: keys, m: 1000 });
  assert.equal(metricSeries.length, ids.length * keys.length);
  // Raw history, a run at a time (each request stays inside the 1,000,000-point budget per request).
  const raw: any[] = [];
  for (const id of ids) raw.push(...(await s.gql(q, { ids: [id], k: keys, m: 100_000 })).metricSeries);
  for (const [i, got] of metricSeries.entries()) {
    assert.deepEqual([got.runId, got.key], [raw[i].runId, raw[i].key]);
    assert.equal(got.downsampled, true);
    assert.equal(got.totalPoints, steps);
    assert.equal(got.bucketSize, 16, 'read from the finest rollup level');
    const width = got.bucketSize;
    assert.ok(got.columns.step.length <= 1000, `${got.columns.step.length} buckets`);
    // Bucket the raw history the same way (aligned buckets of `width` steps) and compare every bucket.
    const want = new Map<number, { last: number; value: unknown; min: number | null; max: number | null }>();
    raw[i].columns.step.forEach((step: number, j: number) => {
      const b = Math.floor(step / width);
      const v = raw[i].columns.value[j];
      const cur = want.get(b) ?? { last: step, value: v, min: null, max: null };
      cur.last = step;
      cur.value = v;
      if (typeof v === 'number') {
        cur.min = cur.min === null ? v : Math.min(cur.min, v);
        cur.max = cur.max === null ? v : Math.max(cur.max, v);
      }
      want.set(b, cur);
    });
    const buckets = [...want.values()];
    assert.deepEqual(
      got.columns.step,
      buckets.map((b) => b.last),
      'last step per bucket',
    );
    assert.deepEqual(
      got.columns.value,
      buckets.map((b) => b.value),
      'last value per bucket',
    );
    assert.deepEqual(
      got.columns.min,
      buckets.map((b) => b.min),
      'min per bucket',
    );
    assert.deepEqual(
      got.columns.max,
      buckets.map((b) => b.max),
      'max per bucket',
    );
  }
  // One run alone stays under the budget: bucketed from history with an exact width, close to maxPoints,
  // and again the same last/min/max per bucket as the raw points.
  const one = (await s.gql(q, { ids: [ids[0]], k: ['loss'], m: 1000 })).metricSeries[0];
  assert.deepEqual([one.bucketSize, one.columns.step.length], [7, 900]);
  const rawLoss = raw.find((r: { key: string }) => r.key === 'loss');
  for (const [b, last] of one.columns.step.entries()) {
    const from = b * 7;
    const vals = rawLoss.columns.value.slice(from, last + 1).filter((v: unknown) => typeof v === 'number');
    assert.equal(one.columns.value[b], rawLoss.columns.value[last]);
    assert.equal(one.columns.min[b], vals.length ? Math.min(...vals) : null);
    assert.equal(one.columns.max[b], vals.length ? Math.max(...vals) : null);
  }
});

/**
 * Batches of 1,000+ points take the append-only path (plain INSERT when every key only moves forward) with
 * an upsert fallback; journal replays of up to 50,000 points go through it. What is stored must match a
 * plain model of "the last value logged for each (key, step)", whatever mix of retries and overlaps.
 */
type Model = Map<string, Map<number, number>>;
const LOG_COLUMNS = `mutation($id: ID!, $c: MetricColumnsInput) { logMetrics(runId: $id, columns: $c) { accepted } }`;

function bigBatch(keys: string[], from: number, to: number, f: (key: string, step: number) => number) {
  return keys.flatMap((key) =>
    Array.from({ length: to - from }, (_, i) => ({ key, step: from + i, value: f(key, from + i) })),
  );
}
const toColumns = (points: { key: string; step: number; value: number }[]) => ({
  keys: points.map((p) => p.key),
  steps: points.map((p) => p.step),
  values: points.map((p) => p.value),
});
function apply(model: Model, points: { key: string; step: number; value: number }[]) {
  for (const p of points) {
    if (!model.has(p.key)) model.set(p.key, new Map());
    model.get(p.key)!.set(p.step, p.value);
  }
}

/** Stored rows, summaries and the downsampled series all agree with the model. */
async function assertMatches(id: string, model: Model) {
  const { rows } = await db.query<{ key: string; step: string; value: number }>(
    `SELECT key, step, value FROM metrics WHERE run_id = $1 ORDER BY key, step`,
    [id],
  );
  const want = [...model.keys()]
    .sort()
    .flatMap((key) => [...model.get(key)!].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ key, step, value })));
  assert.equal(rows.length, want.length, 'one row per (key, step)');
  assert.deepEqual(
    rows.map((r) => ({ key: r.key, step: Number(r.step), value: r.value })),
    want,
  );
  const summaries = Object.fromEntries((await summary(id)).map((m: any) => [m.key, m]));
  for (const [key, steps] of model) {
    const entries = [...steps].sort((a, b) => a[0] - b[0]);
    const min = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
    const max = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    assert.deepEqual(summaries[key], {
      key,
      count: entries.length,
      firstStep: entries[0]![0],
      lastStep: entries.at(-1)![0],
      lastValue: entries.at(-1)![1],
      min: min[1],
      minStep: min[0],
      max: max[1],
      maxStep: max[0],
    });
    // The downsampled series (rollups) keep every bucket's true extremes.
    const series = await s.gql(
      `query($id: ID!, $k: String!) { metricSeries(runIds: [$id], keys: [$k], maxPoints: 50) { totalPoints points { min max } } }`,
      { id, k: key },
    );
    const [one] = series.metricSeries;
    assert.equal(one.totalPoints, entries.length, `${key} totalPoints`);
    assert.equal(Math.min(...one.points.map((p: any) => p.min)), min[1], `${key} series min`);
    assert.equal(Math.max(...one.points.map((p: any) => p.max)), max[1], `${key} series max`);
  }
}

test('1,000+ point batches are idempotent: re-logged, half-overlapping, and in the columns form', async () => {
  const id = await runningRun();
  const model: Model = new Map();
  const keys = ['loss', 'acc'];
  const a = bigBatch(keys, 0, 1000, (k, st) => (k === 'loss' ? 1 + st / 1000 : st / 1000));
  for (const batch of [a, a]) {
    // The second is a retry after a lost response: the same 2,000 points again.
    assert.equal((await s.gql(LOG, { id, p: batch })).logMetrics.accepted, 2000);
    apply(model, batch);
    await assertMatches(id, model);
  }
  // Half overlaps what is stored (steps 500..999 replaced, 1000..1499 new), with new extremes in the overlap.
  const b = bigBatch(keys, 500, 1500, (k, st) => (k === 'loss' ? 3 - st / 1000 : -st / 1000));
  await s.gql(LOG, { id, p: b });
  apply(model, b);
  await assertMatches(id, model);
  // The columns form of a re-log, then of another half-overlapping batch.
  assert.equal((await s.gql(LOG_COLUMNS, { id, c: toColumns(b) })).logMetrics.accepted, 2000);
  await assertMatches(id, model);
  const c = bigBatch(keys, 1000, 2000, (k, st) => (k === 'loss' ? 0.5 + st / 100_000 : 0.25));
  await s.gql(LOG_COLUMNS, { id, c: toColumns(c) });
  apply(model, c);
  await assertMatches(id, model);
});

test('the append-only fast path falls back to the upsert when a batch does overlap (savepoint)', async () => {
  const id = await runningRun();
  const model: Model = new Map();
  const a = bigBatch(['loss'], 0, 1500, (_, st) => st);
  await s.gql(LOG, { id, p: a });
  apply(model, a);
  // Make the batch look append-only to the pre-check (as if a concurrent writer had raced it), so the
  // plain INSERT runs into existing rows and only the savepoint fallback can store it correctly.
  await db.query(`UPDATE metric_latest SET last_step = -1 WHERE run_id = $1`, [id]);
  const again = bigBatch(['loss'], 0, 1500, (_, st) => -st - 1);
  assert.equal((await s.gql(LOG, { id, p: again })).logMetrics.accepted, 1500);
  apply(model, again);
  await assertMatches(id, model);
});

test('a batch spanning several insert chunks is idempotent in every chunk, not only the first', async () => {
  // 6,000 steps x 2 keys = 12,000 points: three of ingest's 5,000-row chunks, in both the append-only path
  // (first log) and the upsert path (re-log, overlap); a chunk skipped or applied twice shows up here.
  const id = await runningRun();
  const model: Model = new Map();
  const keys = ['loss', 'acc'];
  const a = bigBatch(keys, 0, 6000, (k, st) => (k === 'loss' ? 1 + st / 6000 : st / 6000));
  for (const batch of [a, a]) {
    assert.equal((await s.gql(LOG_COLUMNS, { id, c: toColumns(batch) })).logMetrics.accepted, 12_000);
    apply(model, batch);
    await assertMatches(id, model);
  }
  // Overlap reaching into the last chunk of what is stored, with new extremes there.
  const b = bigBatch(keys, 4000, 9000, (k, st) => (k === 'loss' ? 5 - st / 9000 : -st / 9000));
  await s.gql(LOG_COLUMNS, { id, c: toColumns(b) });
  apply(model, b);
  await assertMatches(id, model);
});

test('metricSeries builds only the columns a query selects, whichever way it selects them', async () => {
  const id = await runningRun();
  const points = Array.from({ length: 40 }, (_, step) => ({
    key: 'loss',
    step,
    value: step % 7 === 3 ? 'NaN' : 1 / (step + 1),
  }));
  await s.gql(LOG, { id, p: points });
  const q = (sel: string, frags = '') =>
    s
      .gql(`query($id: ID!) { metricSeries(runIds: [$id], keys: ["loss"], maxPoints: 10) { ${sel} } } ${frags}`, { id })
      .then((d) => d.metricSeries[0]);
  const full = await q('columns { step value min max wallTime }');
  assert.equal(full.columns.step.length, 10, 'downsampled to buckets');
  // Steps and values alone are the same as in the full read; the skipped columns are simply not built.
  const lean = await q('columns { step value }');
  assert.deepEqual(lean.columns, { step: full.columns.step, value: full.columns.value });
  // A fragment (named or inline) asking for extremes or wall times gets them, equal to the full read.
  const viaFragment = await q(
    '...C',
    'fragment C on MetricSeries { columns { max } ... on MetricSeries { columns { wallTime } } }',
  );
  assert.deepEqual(viaFragment.columns, { max: full.columns.max, wallTime: full.columns.wallTime });
  assert.ok(
    full.columns.wallTime.every((t: number) => t > 1.7e12),
    'wall times in ms',
  );
  const viaPoints = await q('points { step min wallTime }');
  assert.deepEqual(
    viaPoints.points.map((p: any) => p.min),
    full.columns.min,
  );
  // Raw series (fewer points than maxPoints) too: min/max fall back to the values.
  const raw = await s
    .gql(`query($id: ID!) { metricSeries(runIds: [$id], keys: ["loss"], maxPoints: 100) { columns { step min } } }`, {
      id,
    })
    .then((d) => d.metricSeries[0].columns);
  assert.equal(raw.step.length, 40);
  assert.deepEqual(raw.min.slice(0, 4), [1, 0.5, 1 / 3, null]);
});
