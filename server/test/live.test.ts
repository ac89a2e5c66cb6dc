import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runStatus } from '@runboard/test-kit/gql';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import pg from 'pg';
import { RunState } from '../src/modules/run/run-state.ts';

let a: TestServer;
let b: TestServer; // a second server process's worth of state on the same database
before(async () => {
  a = await startTestServer();
  b = await startTestServer({ database: a.database });
});
after(async () => {
  await b.close();
  await a.close();
});

const LOG = `mutation($id: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $id, points: $p) { seq } }`;
const METRICS_SUB = `subscription($ids: [ID!]!, $keys: [String!], $since: [RunSeqInput!]) {
  metricsLogged(runIds: $ids, keys: $keys, since: $since) { runId seq points { key step value } } }`;
const RUNS_SUB = `subscription($e: ID, $ids: [ID!], $since: [RunSeqInput!]) {
  runChanged(experimentId: $e, runIds: $ids, since: $since) { seq kind runId run { status name } } }`;

async function newRun(server: TestServer, experiment: string) {
  const { createRun } = await server.gql(
    `mutation($e: String) { createRun(input: { experimentName: $e }) { id experiment { id } } }`,
    { e: experiment },
  );
  await server.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  return { id: createRun.id as string, experimentId: createRun.experiment.id as string };
}

/**
 * `since` for a run as it is now. Subscribing with it instead of sleeping until the subscription
 * has registered means nothing logged in between is missed, however slow the machine (it is replayed).
 */
async function sinceNow(server: TestServer, runId: string) {
  const { run } = await server.gql(`query($id: ID!) { run(id: $id) { seq } }`, { id: runId });
  return [{ runId, seq: run.seq as number }];
}

const epoch = (id: string, step: number) => ({
  id,
  p: [
    { key: 'loss', step, value: 1 / (step + 1) },
    { key: 'val_acc', step, value: step / 10 },
  ],
});
const delivered = (events: any[]) =>
  events.flatMap((e) => e.metricsLogged.points.map((p: any) => `${p.key}@${p.step}`));

test('a subscriber receives points another client logs, filtered by key, in seq order', async () => {
  const run = await newRun(a, 'live');
  const sub = collect<any>(a.ws(), METRICS_SUB, { ids: [run.id], keys: ['val_acc'], since: await sinceNow(a, run.id) });
  for (let step = 0; step < 5; step++) await a.gql(LOG, epoch(run.id, step));
  const events = await sub.until((e) => e.length >= 5);
  assert.deepEqual(
    delivered(events),
    [0, 1, 2, 3, 4].map((s) => `val_acc@${s}`),
  );
  const seqs = events.map((e) => e.metricsLogged.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((x, y) => x - y),
  );
  sub.dispose();
});

test('resume by sequence after a disconnect: no gap, no duplicate', async () => {
  const run = await newRun(a, 'resume');
  const first = collect<any>(a.ws(), METRICS_SUB, { ids: [run.id], since: await sinceNow(a, run.id) });
  for (let step = 0; step < 3; step++) await a.gql(LOG, epoch(run.id, step));
  const seen = await first.until((e) => e.length >= 3);
  const lastSeq = seen.at(-1).metricsLogged.seq;
  first.dispose(); // the dashboard loses its connection...
  for (let step = 3; step < 6; step++) await a.gql(LOG, epoch(run.id, step)); // ...while training goes on
  const second = collect<any>(a.ws(), METRICS_SUB, { ids: [run.id], since: [{ runId: run.id, seq: lastSeq }] });
  for (let step = 6; step < 8; step++) await a.gql(LOG, epoch(run.id, step));
  await second.until((e) => e.length >= 5);
  // A last batch as a barrier: events arrive in seq order, so once it is here any duplicate replay would be too.
  await a.gql(LOG, epoch(run.id, 8));
  const resumed = await second.until((e) => delivered(e).includes('loss@8'));
  const all = [...delivered(seen), ...delivered(resumed)];
  const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap((s) => [`loss@${s}`, `val_acc@${s}`]);
  assert.deepEqual(all, expected);
  assert.deepEqual([...first.errors, ...second.errors], []);
  second.dispose();
});

test('run changes reach subscribers of the experiment and of the run, with replay via since', async () => {
  const run = await newRun(a, 'runs-live');
  const start = await sinceNow(a, run.id);
  const byExperiment = collect<any>(a.ws(), RUNS_SUB, { e: run.experimentId, since: start });
  const byRun = collect<any>(b.ws(), RUNS_SUB, { ids: [run.id], since: start });
  await a.gql(`mutation($id: ID!) { updateRun(id: $id, input: { tags: ["x"] }) { id } }`, { id: run.id });
  await a.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: run.id });
  const other = await a.gql(`mutation { createRun(input: { experimentName: "runs-live", name: "late" }) { id } }`);
  const of = (events: any[], id: string) => events.map((e) => e.runChanged).filter((e) => e.runId === id);
  const finished = (events: any[]) => of(events, run.id).at(-1)?.run.status === 'FINISHED';
  const evs = await byExperiment.until((e) => finished(e) && of(e, other.createRun.id).length > 0);
  // A subscriber reads the run's row when a notice arrives; if the row has already moved on, it reports
  // that newer state at its newer seq and skips the notice it covered. So states may coalesce, never reorder.
  const mineOnA = of(evs, run.id);
  assert.ok(
    ['RUNNING,FINISHED', 'FINISHED'].includes(mineOnA.map((e) => e.run.status).join()),
    JSON.stringify(mineOnA),
  );
  assert.ok(mineOnA.every((e) => e.kind === 'UPDATED'));
  assertIncreasing(mineOnA.map((e) => e.seq));
  assert.deepEqual(
    of(evs, other.createRun.id).map((e) => [e.kind, e.run.status, e.run.name]),
    [['CREATED', 'QUEUED', 'late']],
  );
  const mineOnB = await byRun.until(finished);
  assertIncreasing(mineOnB.map((e) => e.runChanged.seq));
  assert.equal(mineOnB.at(-1).runChanged.seq, mineOnA.at(-1).seq, 'both servers end at the same seq');
  assert.ok(!mineOnB.some((e) => e.runChanged.runId === other.createRun.id), 'per-run topic only carries that run');
  // A reconnecting table asks for what changed since the seqs it has: only the runs with newer state come back.
  const replay = collect<any>(a.ws(), RUNS_SUB, {
    e: run.experimentId,
    since: [{ runId: run.id, seq: mineOnA.at(-1).seq }],
  });
  await replay.until((e) => e.length >= 1);
  // Barrier: a change to the other run after the replay; everything the replay sent comes before it.
  await a.gql(`mutation($id: ID!) { updateRun(id: $id, input: { tags: ["barrier"] }) { id } }`, {
    id: other.createRun.id,
  });
  const got = await replay.until((e) => e.length >= 2);
  assert.deepEqual(
    got.map((e) => e.runChanged.runId),
    [other.createRun.id, other.createRun.id],
  );
  await a.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: other.createRun.id });
  const del = await byExperiment.until((e) => e.some((x) => x.runChanged.kind === 'DELETED'));
  assert.equal(del.at(-1).runChanged.run, null);
  for (const c of [byExperiment, byRun, replay]) {
    assert.deepEqual(c.errors, []);
    c.dispose();
  }
});

test('sinceListedOnly replays the listed runs changed or deleted after their seqs, and no other run', async () => {
  // What a page does: read some runs (seqs), then subscribe. Changes committed in between must be replayed.
  // A watcher that is live before any run exists: what it has received, server a has dispatched.
  const watcher = collect<any>(
    a.ws(),
    `subscription($e: ID) { runChanged(experimentId: $e, startWithResync: true) { seq kind runId run { status } } }`,
    { e: (await newRun(a, 'listed-only')).experimentId },
  );
  await watcher.until((e) => e.length >= 1);
  const changed = await newRun(a, 'listed-only');
  const deleted = await newRun(a, 'listed-only');
  const quiet = await newRun(a, 'listed-only');
  const unlisted = await newRun(a, 'listed-only'); // another page's run: changed, but not asked for
  await a.gql(`mutation($id: ID!) { finishRun(id: $id, status: FAILED) { id } }`, { id: unlisted.id });
  // Its notice is dispatched before the subscription below registers, so any event of it there would be a replay.
  // (A notice committed before a subscribe may reach it late: for a run it does not hold, that is a live event.)
  await watcher.until((e) =>
    e.some((x) => x.runChanged.runId === unlisted.id && x.runChanged.run?.status === 'FAILED'),
  );
  watcher.dispose();
  const read = [
    ...(await sinceNow(a, changed.id)),
    ...(await sinceNow(a, deleted.id)),
    ...(await sinceNow(a, quiet.id)),
  ];
  // The listed runs' notices may arrive after the subscription's replay: they must not be delivered again.
  await a.gql(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED) { id } }`, { id: changed.id });
  await a.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: deleted.id });
  const sub = collect<any>(
    a.ws(),
    `subscription($e: ID, $since: [RunSeqInput!]) {
      runChanged(experimentId: $e, since: $since, sinceListedOnly: true) { seq kind runId run { status } } }`,
    { e: changed.experimentId, since: read },
  );
  // Barrier: a live change after the replay; everything the replay sent comes before it.
  await sub.until((e) => e.length >= 2);
  await a.gql(`mutation($id: ID!) { updateRun(id: $id, input: { tags: ["barrier"] }) { id } }`, { id: quiet.id });
  const got = (await sub.until((e) => e.some((x) => x.runChanged.runId === quiet.id))).map((e) => e.runChanged);
  const deletedSeq = read.find((r) => r.runId === deleted.id)!.seq + 1;
  assert.deepEqual(
    got.map((e) => [e.runId, e.kind, e.run?.status ?? null]),
    [
      [changed.id, 'UPDATED', 'FINISHED'],
      [deleted.id, 'DELETED', null],
      [quiet.id, 'UPDATED', 'RUNNING'],
    ],
  );
  assert.equal(got[1].seq, deletedSeq, 'a replayed delete is one past the seq the subscriber holds');
  assert.ok(got[0].seq > read[0]!.seq);
  assert.deepEqual(sub.errors, []);
  sub.dispose();
});

function assertIncreasing(seqs: number[]) {
  assert.deepEqual(
    seqs,
    [...new Set(seqs)].sort((x, y) => x - y),
    `seqs strictly increase: ${seqs}`,
  );
}

test('two server instances on one database: every event reaches subscribers of both', async () => {
  const run = await newRun(a, 'fanout');
  const start = await sinceNow(a, run.id);
  const onA = collect<any>(a.ws(), METRICS_SUB, { ids: [run.id], since: start });
  const onB = collect<any>(b.ws(), METRICS_SUB, { ids: [run.id], since: start });
  for (let step = 0; step < 4; step++) await (step % 2 ? a : b).gql(LOG, epoch(run.id, step)); // writes through both
  const [ea, eb] = await Promise.all([onA.until((e) => e.length >= 4), onB.until((e) => e.length >= 4)]);
  assert.deepEqual(delivered(ea), delivered(eb));
  assert.equal(delivered(ea).length, 8);
  onA.dispose();
  onB.dispose();
});

test('crash detection: a silent RUNNING run becomes CRASHED once, with an event, even with two sweepers', async (t) => {
  // A database of its own: the sweepers mark every silent run, so runs other tests left RUNNING must not be there.
  const a = await startTestServer();
  const b = await startTestServer({ database: a.database });
  t.after(async () => {
    await b.close();
    await a.close();
  });
  const run = await newRun(a, 'crash');
  const sub = collect<any>(b.ws(), RUNS_SUB, { ids: [run.id], since: await sinceNow(a, run.id) });
  const db = new pg.Pool({ connectionString: a.database.url, max: 4 });
  await db.query(`UPDATE runs SET last_heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [run.id]);
  const fresh = await newRun(a, 'crash'); // heartbeat just now: must survive
  // Three sweepers, as three servers would run them, each with its own RunState on the shared database.
  const sweepers = [1, 2, 3].map(() => new RunState(db, null, 20));
  const results = await Promise.all(sweepers.map((s) => s.crashSilent(60)));
  assert.deepEqual(results.flat(), [run.id], 'exactly one sweeper marked it');
  await sub.until((e) => e.length >= 1);
  const { run: crashed } = await a.gql(`query($id: ID!) { run(id: $id) { status errorMessage finishedAt } }`, {
    id: run.id,
  });
  assert.equal(crashed.status, 'CRASHED');
  assert.match(crashed.errorMessage, /No heartbeat for 60 s/);
  assert.equal((await a.gql(`query($id: ID!) { run(id: $id) { status } }`, { id: fresh.id })).run.status, 'RUNNING');
  // The trainer was only partitioned: its next heartbeat brings the run back.
  const hb = await a.gql(`mutation($id: ID!) { heartbeat(runId: $id) { status finishedAt } }`, { id: run.id });
  assert.deepEqual(hb.heartbeat, { status: 'RUNNING', finishedAt: null });
  // The revival's event is a barrier: between it and the start there was exactly one CRASHED event.
  const events = await sub.until((e) => e.some((x) => x.runChanged.run.status === 'RUNNING'));
  assert.deepEqual(
    events.map((e) => e.runChanged.run.status),
    ['CRASHED', 'RUNNING'],
  );
  assert.deepEqual(sub.errors, []);
  await db.end();
  sub.dispose();
});

test('the crash detector runs by itself in each server', async (t) => {
  const c = await startTestServer({ heartbeatTimeoutSeconds: 0.5, crashSweepIntervalMs: 100 });
  t.after(() => c.close());
  const run = await newRun(c, 'auto-crash');
  await waitFor(async () => (await runStatus(c.gql, run.id)) === 'CRASHED', { what: 'CRASHED by the server itself' });
});
