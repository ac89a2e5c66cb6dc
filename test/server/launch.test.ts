/**
 * Launching through the queue with real agents (in-process or a CLI child) running the protocol trainer.
 * Every test has its own experiment, its own agent label (so no other test's agent can take its runs) and
 * its own agents, stopped when it ends: any test runs alone and in any order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';
import { setEnv, waitFor } from '@runboard/test-kit/wait';
import { Agent } from '@runboard/trainers';
import pg from 'pg';

const PROTOCOL = [process.execPath, '--import', 'tsx', 'test/fixtures/protocol-trainer.ts'];
const base = { train: 'data/train', val: 'data/validation', size: 32, batch: 4 };
/** pg-boss's minimum; the tests below bound lease decisions by it. */
const LEASE_SECONDS = 10;
/** Lease expiry is noticed by pg-boss's supervisor and the reconciler, both every second here. */
const LEASE_NOTICED_MS = (LEASE_SECONDS + 8) * 1000;
let s: TestServer;
let db: pg.Pool;
const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'runboard-ledger-')), 'ledger.jsonl');

before(async () => {
  process.env.PROTOCOL_LEDGER = ledger;
  s = await startTestServer({ crashSweepIntervalMs: 1000, leaseSeconds: LEASE_SECONDS });
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
});
after(async () => {
  await db.end();
  await s.close();
});

interface Scope {
  experiment: string;
  label: string;
}

/** A fresh experiment and agent label for one test. */
async function scope(): Promise<Scope> {
  const experiment = uniqueName('launch');
  await s.gql(`mutation($n: String!) { createExperiment(input: { name: $n }) { id } }`, { n: experiment });
  return { experiment, label: uniqueName('label') };
}

async function startAgent(
  t: TestContext,
  sc: Scope,
  opts: { concurrency?: number; gpus?: string[]; graceSeconds?: number; log?: (m: string) => void } = {},
) {
  const agent = new Agent({
    server: s.url,
    concurrency: opts.concurrency ?? 1,
    gpus: opts.gpus ?? [],
    labels: [sc.label],
    command: PROTOCOL,
    graceSeconds: opts.graceSeconds ?? 5,
    pollMs: 200,
    log: opts.log ?? (() => {}),
  });
  t.after(() => agent.stop(true));
  await agent.start();
  return agent;
}

const LAUNCH = `mutation($e: String!, $c: JSON!, $n: String, $l: [String!], $r: Int) {
  launchRun(input: { experimentName: $e, config: $c, name: $n, labels: $l, retries: $r }) { id status config launch { waitingForAgent attempt } } }`;
const launch = async (sc: Scope, config: object, more: { n?: string; r?: number } = {}) =>
  (await s.gql(LAUNCH, { e: sc.experiment, l: [sc.label], c: { ...base, ...config }, ...more })).launchRun;
const RUN = `query($id: ID!) { run(id: $id) { status exitCode errorMessage systemInfo cancelRequested metrics { key count } launch { attempt agent { id } } logs { lines { line stream text } } } }`;

const status = async (id: string) => (await s.gql(RUN, { id })).run.status as string;
const untilStatus = (id: string, want: string, timeout = 60_000) =>
  waitFor(async () => (await status(id)) === want, { timeout, what: `run ${id} ${want}` });
const ledgerEntries = (): { runId: string; what: string; t: number; attempt: string; pid: number; gpu?: string }[] =>
  existsSync(ledger)
    ? readFileSync(ledger, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('launchRun validates the config against the trainer schema and queues nothing when it is wrong', async () => {
  const sc = await scope();
  const jobs = async () => Number((await db.query(`SELECT count(*) FROM pgboss.job`)).rows[0].count);
  const jobsBefore = await jobs();
  const bad = await s.request(LAUNCH, { e: sc.experiment, c: { ...base, lrr: 1, epochs: 'many' } });
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const paths = bad.errors![0].extensions.issues.map((i: any) => i.path);
  assert.ok(paths.includes('config.epochs') && paths.includes('config'), JSON.stringify(paths));
  assert.match(bad.errors![0].message, /lrr/);
  const agentOwned = await s.request(LAUNCH, { e: sc.experiment, c: { ...base, server: 'http://x' } });
  assert.equal(agentOwned.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  // A new experiment name with a bad config: refused, and the experiment is not created half-way.
  const newName = uniqueName('nope');
  const invalidIntoNew = await s.request(LAUNCH, { e: newName, c: {} });
  assert.equal(invalidIntoNew.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const absent = await s.gql(`query($n: String!) { experiment(name: $n) { id } }`, { n: newName });
  assert.equal(absent.experiment, null);
  const typed = await s.request(LAUNCH, { e: sc.experiment, c: { ...base, lr: 'fast' } });
  assert.equal(typed.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(typed.errors![0].message, /config\.lr: expected a number, got "fast"/);
  assert.doesNotMatch(typed.errors![0].message, /NaN/);
  const runs = await s.gql(`query($n: String!) { experiment(name: $n) { runs { totalCount } } }`, { n: sc.experiment });
  assert.equal(runs.experiment.runs.totalCount, 0);
  assert.equal(await jobs(), jobsBefore);
  const schema = await s.gql(`{ trainerConfigSchema }`);
  assert.equal(schema.trainerConfigSchema.properties.lr.type, 'number', 'the JSON Schema lists the trainer fields');
});

test('a launched run records the config keys the user gave, apart from the defaults filled in', async () => {
  const sc = await scope();
  const run = await launch(sc, { lr: 0.01, augmentation: { flip: true } });
  const d = await s.gql(`query($id: ID!) { run(id: $id) { config userConfigKeys } }`, { id: run.id });
  assert.deepEqual([...d.run.userConfigKeys].sort(), ['augmentation.flip', 'batch', 'lr', 'size', 'train', 'val']);
  assert.equal(d.run.config.backend, 'auto', 'the stored config still holds every default');
  const sweep = await s.gql(
    `mutation($e: String!, $l: [String!], $b: JSON!) { launchSweep(input: { experimentName: $e, labels: $l, baseConfig: $b,
      space: { dropout: [0.1, 0.2] }, method: GRID, maxRuns: 2, parallelism: 1, metric: "loss", goal: MINIMIZE }) { runs { userConfigKeys } } }`,
    { e: sc.experiment, l: [sc.label], b: { train: 'a', val: 'b' } },
  );
  for (const r of sweep.launchSweep.runs) assert.deepEqual([...r.userConfigKeys].sort(), ['dropout', 'train', 'val']);
  const created = await s.gql(
    `mutation($e: String!) { createRun(input: { experimentName: $e, config: { a: 1 } }) { userConfigKeys } }`,
    { e: sc.experiment },
  );
  assert.equal(created.createRun.userConfigKeys, null, "createRun: the whole config is the user's");
});

test('with no agent online the run waits QUEUED and says so; cancel takes it out of the queue', async () => {
  const sc = await scope();
  const queued = async () => (await s.gql(`{ queueStatus { queued } }`)).queueStatus.queued as number;
  const before = await queued();
  const launchRun = await launch(sc, { epochs: 2 });
  assert.equal(launchRun.status, 'QUEUED');
  assert.equal(launchRun.launch.waitingForAgent, true);
  assert.equal(launchRun.config.lr, 2e-5, 'stored with the trainer defaults filled in');
  assert.equal(await queued(), before + 1);
  const { cancelRun } = await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { status } }`, { id: launchRun.id });
  assert.equal(cancelRun.status, 'CANCELED');
  assert.equal(await queued(), before);
  // A retried cancel (its response was lost) is a no-op, like a retried finishRun.
  const again = await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { status } }`, { id: launchRun.id });
  assert.equal(again.cancelRun.status, 'CANCELED');
});

test('launch -> an agent runs the trainer -> FINISHED with metrics and logs, tailed live', async (t) => {
  const sc = await scope();
  const launchRun = await launch(sc, { epochs: 3 }, { n: 'via-agent' });
  const tail = collect<any>(s.ws(), `subscription($id: ID!) { runLogs(runId: $id) { lines { line text } } }`, {
    id: launchRun.id,
  });
  t.after(() => tail.dispose());
  const agent = await startAgent(t, sc);
  await untilStatus(launchRun.id, 'FINISHED');
  const { run } = await s.gql(RUN, { id: launchRun.id });
  assert.equal(run.exitCode, 0);
  assert.deepEqual(run.metrics, [{ key: 'loss', count: 3 }]);
  assert.equal(run.systemInfo.engine, 'protocol-trainer');
  assert.equal(run.systemInfo.agent.id, agent.id, 'records where it ran');
  assert.equal(run.launch.attempt, 0);
  // 3 epoch lines on stdout and the final line on stderr, numbered 1..4.
  const lines = await waitFor(
    async () => {
      const l = (await s.gql(RUN, { id: launchRun.id })).run.logs.lines;
      return l.length === 4 && l;
    },
    { what: '4 log lines' },
  );
  assert.deepEqual(
    lines.map((l: any) => [l.line, l.stream, l.text]),
    [
      [1, 'STDOUT', 'epoch 1/3 loss=1.0000'],
      [2, 'STDOUT', 'epoch 2/3 loss=0.5000'],
      [3, 'STDOUT', 'epoch 3/3 loss=0.3333'],
      [4, 'STDERR', 'done (this line goes to stderr)'],
    ],
  );
  const live = await tail.until((e) => e.flatMap((x) => x.runLogs.lines).length >= 4, 30_000);
  assert.deepEqual(
    live.flatMap((x) => x.runLogs.lines).map((l: any) => l.line),
    [1, 2, 3, 4],
  );
  assert.deepEqual(tail.errors, []);
});

test('cancel a running run: SIGTERM reaches the trainer and the run ends CANCELED', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '300' });
  const sc = await scope();
  await startAgent(t, sc);
  const launchRun = await launch(sc, { epochs: 200 });
  await untilStatus(launchRun.id, 'RUNNING');
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
  await untilStatus(launchRun.id, 'CANCELED');
  // The trainer itself ended the run: it logged why, finished CANCELED with its own exit code.
  const stopLine = await waitFor(
    async () =>
      (await s.gql(RUN, { id: launchRun.id })).run.logs.lines.find((l: any) => /stopping after epoch/.test(l.text)),
    { what: 'the trainer stop line' },
  );
  const epochsRun = Number(/stopping after epoch (\d+)/.exec(stopLine.text)![1]);
  assert.ok(epochsRun < 200, `stopped early (after ${epochsRun})`);
  const { run } = await s.gql(RUN, { id: launchRun.id });
  assert.equal(run.exitCode, 143);
  assert.ok(ledgerEntries().some((e) => e.runId === launchRun.id && e.what === 'canceled'));
});

test('SIGKILL after --grace: a trainer that ignores SIGTERM is killed after the grace period and ends CANCELED', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '200', PROTOCOL_IGNORE_SIGTERM: '1' });
  const sc = await scope();
  const logs: { t: number; m: string }[] = [];
  const graceSeconds = 2;
  await startAgent(t, sc, { graceSeconds, log: (m) => logs.push({ t: Date.now(), m }) });
  const launchRun = await launch(sc, { epochs: 500 });
  await untilStatus(launchRun.id, 'RUNNING');
  const pid = (await waitFor(() => ledgerEntries().find((e) => e.runId === launchRun.id && e.what === 'start'))).pid;
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
  await untilStatus(launchRun.id, 'CANCELED');
  assert.equal(alive(pid), false);
  const term = logs.find((l) => l.m.includes(launchRun.id) && /SIGTERM/.test(l.m));
  const kill = logs.find((l) => l.m.includes(launchRun.id) && /SIGKILL/.test(l.m));
  assert.ok(term && kill, JSON.stringify(logs));
  assert.ok(kill.t - term.t >= graceSeconds * 1000 - 50, `SIGKILL ${kill.t - term.t} ms after SIGTERM`);
  // The trainer never got to end the run itself: the agent's exit report did.
  assert.ok(!ledgerEntries().some((e) => e.runId === launchRun.id && e.what === 'canceled'));
  const { run } = await s.gql(RUN, { id: launchRun.id });
  assert.equal(run.exitCode, null);
});

test('CUDA_VISIBLE_DEVICES per run: an agent with two GPUs gives each concurrent run its own', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '100' });
  const sc = await scope();
  const ids = [(await launch(sc, { epochs: 30 })).id, (await launch(sc, { epochs: 30 })).id];
  await startAgent(t, sc, { concurrency: 2, gpus: ['0', '1'] });
  for (const id of ids) await untilStatus(id, 'FINISHED');
  const starts = ledgerEntries().filter((e) => ids.includes(e.runId) && e.what === 'start');
  assert.equal(starts.length, 2);
  assert.deepEqual(starts.map((e) => e.gpu).sort(), ['0', '1']);
  // They overlapped, so one GPU each was a choice, not a coincidence of running one after the other.
  const ends = ledgerEntries().filter((e) => ids.includes(e.runId) && e.what === 'end');
  assert.ok(Math.max(...starts.map((e) => e.t)) < Math.min(...ends.map((e) => e.t)), 'the two runs overlapped');
});

test('two agents, 10 runs: each run runs exactly once', async (t) => {
  const sc = await scope();
  await startAgent(t, sc, { concurrency: 2 });
  await startAgent(t, sc, { concurrency: 2 });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push((await launch(sc, { epochs: 2 }, { n: `batch-${i}` })).id);
  await waitFor(async () => (await Promise.all(ids.map(status))).every((x) => x === 'FINISHED'), {
    timeout: 90_000,
    what: 'all finished',
  });
  const starts = ledgerEntries().filter((e) => e.what === 'start' && ids.includes(e.runId));
  assert.equal(starts.length, 10);
  assert.equal(new Set(starts.map((e) => e.runId)).size, 10);
  const agentsUsed = await db.query(`SELECT count(DISTINCT agent_id)::int AS n FROM runs WHERE id = ANY($1)`, [ids]);
  assert.equal(agentsUsed.rows[0].n, 2, 'both agents took work');
});

test('a sweep of 4 grid points at parallelism 2 never runs more than 2 at once', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '250' });
  const sc = await scope();
  // 3 agents with 1 + 2 + 3 slots: only the sweep's parallelism limits it.
  for (const concurrency of [1, 2, 3]) await startAgent(t, sc, { concurrency });
  const { launchSweep } = await s.gql(
    `mutation($e: String!, $l: [String!], $b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: $e, labels: $l, name: "grid", baseConfig: $b, space: $sp,
        method: GRID, maxRuns: 10, parallelism: 2, metric: "loss", goal: MINIMIZE }) { id runs { id config } } }`,
    {
      e: sc.experiment,
      l: [sc.label],
      b: { ...base, epochs: 12 },
      sp: { lr: [1e-5, 2e-5], units: { values: [128, 256] } },
    },
  );
  const ids = launchSweep.runs.map((r: any) => r.id);
  assert.deepEqual(
    launchSweep.runs.map((r: any) => [r.config.lr, r.config.units]),
    [
      [1e-5, 128],
      [1e-5, 256],
      [2e-5, 128],
      [2e-5, 256],
    ],
  );
  await waitFor(async () => (await Promise.all(ids.map(status))).every((x) => x === 'FINISHED'), {
    timeout: 90_000,
    what: 'sweep finished',
  });
  const events = ledgerEntries()
    .filter((e) => ids.includes(e.runId) && (e.what === 'start' || e.what === 'end'))
    .sort((a, b) => a.t - b.t);
  let live = 0;
  let peak = 0;
  for (const e of events) {
    live += e.what === 'start' ? 1 : -1;
    peak = Math.max(peak, live);
  }
  assert.equal(peak, 2, `parallelism reached but not exceeded: ${JSON.stringify(events)}`);
  const { sweep } = await s.gql(
    `query($id: ID!) { sweep(id: $id) { bestRun { id } bestValue parameters { name points { value metric } } runCounts { status count } } }`,
    { id: launchSweep.id },
  );
  assert.equal(sweep.bestValue, 1 / 12);
  assert.deepEqual(
    sweep.parameters.map((p: any) => p.name),
    ['lr', 'units'],
  );
  assert.equal(sweep.parameters[0].points.length, 4);
  assert.deepEqual(sweep.runCounts, [{ status: 'FINISHED', count: 4 }]);
  const badGrid = await s.request(
    `mutation($e: String!) { launchSweep(input: { experimentName: $e, baseConfig: {train: "a", val: "b"}, space: { lr: { min: 0.1, max: 1 } }, method: GRID, maxRuns: 2, parallelism: 1, metric: "loss", goal: MINIMIZE }) { id } }`,
    { e: sc.experiment },
  );
  assert.equal(badGrid.errors?.[0].extensions.code, 'BAD_USER_INPUT');
});

test('a trainer still busy after finishing its run is left to exit by itself, not killed by a lease renewal', async (t) => {
  // Renewals come every LEASE_SECONDS / 4 (2.5 s), so a trainer lingering 6 s after finishRun meets at least one.
  // The renewal used to report the finished run as lost, and the agent SIGKILLed its trainer.
  setEnv(t, { PROTOCOL_EPOCH_MS: '50', PROTOCOL_LINGER_MS: '6000' });
  const sc = await scope();
  const logs: string[] = [];
  await startAgent(t, sc, { graceSeconds: 60, log: (m) => logs.push(m) });
  const run = await launch(sc, { epochs: 2 });
  await untilStatus(run.id, 'FINISHED');
  const ended = await waitFor(() => logs.find((m) => m.startsWith(`run ${run.id} ended`)), {
    what: 'the trainer to exit',
  });
  assert.equal(ended, `run ${run.id} ended (exit 0)`);
  assert.ok(ledgerEntries().some((e) => e.runId === run.id && e.what === 'end'));
});

test('a trainer that does not exit after finishing its run is stopped a grace period later', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '50', PROTOCOL_LINGER_MS: '600000', PROTOCOL_IGNORE_SIGTERM: '1' });
  const sc = await scope();
  const logs: string[] = [];
  await startAgent(t, sc, { graceSeconds: 1, log: (m) => logs.push(m) });
  const run = await launch(sc, { epochs: 2 });
  await untilStatus(run.id, 'FINISHED');
  const ended = await waitFor(() => logs.find((m) => m.startsWith(`run ${run.id} ended`)), {
    what: 'the lingering trainer to be stopped',
  });
  assert.equal(ended, `run ${run.id} ended (SIGKILL)`);
  assert.ok(logs.includes(`run ${run.id}: run ended but its trainer is still running; SIGTERM`));
  const { run: final } = await s.gql(RUN, { id: run.id });
  assert.equal(final.status, 'FINISHED', 'stopping the process afterwards does not change how the run ended');
  assert.equal(final.exitCode, 0);
});

test('RANDOM sweeps: maxRuns draws inside the space, reproducible by seed', async () => {
  const sc = await scope();
  const space = {
    lr: { min: 1e-6, max: 1e-3, distribution: 'log_uniform' },
    dropout: { min: 0, max: 0.5 },
    units: [128, 256],
  };
  const sweep = async (seed: number, maxRuns = 6) =>
    (
      await s.gql(
        `mutation($e: String!, $l: [String!], $b: JSON!, $sp: JSON!, $seed: Int, $n: Int!) { launchSweep(input: { experimentName: $e, labels: $l,
          baseConfig: $b, space: $sp, method: RANDOM, seed: $seed, maxRuns: $n, parallelism: 1, metric: "loss", goal: MINIMIZE }) { runs { config } } }`,
        { e: sc.experiment, l: [sc.label], b: { ...base, epochs: 1 }, sp: space, seed, n: maxRuns },
      )
    ).launchSweep.runs.map((r: any) => ({ lr: r.config.lr, dropout: r.config.dropout, units: r.config.units }));
  const a = await sweep(7);
  assert.equal(a.length, 6);
  assert.equal(new Set(a.map((c: any) => c.lr)).size, 6, 'each run draws its own lr');
  // The distributions, on 300 seeded (so deterministic) draws: log-uniform puts 2/3 of lr below 1e-4
  // (uniform would put 1/10), dropout averages 0.25, both units values occur.
  const many = await sweep(11, 300);
  assert.equal(many.length, 300);
  for (const c of many) {
    assert.ok(c.lr >= 1e-6 && c.lr <= 1e-3, `lr ${c.lr}`);
    assert.ok(c.dropout >= 0 && c.dropout <= 0.5, `dropout ${c.dropout}`);
    assert.ok([128, 256].includes(c.units), `units ${c.units}`);
  }
  const share = (f: (c: any) => boolean) => many.filter(f).length / many.length;
  const belowE4 = share((c) => c.lr < 1e-4);
  assert.ok(belowE4 > 0.55 && belowE4 < 0.78, `share of lr < 1e-4: ${belowE4}`);
  const meanDropout = many.reduce((t: number, c: any) => t + c.dropout, 0) / many.length;
  assert.ok(meanDropout > 0.2 && meanDropout < 0.3, `mean dropout ${meanDropout}`);
  const small = share((c) => c.units === 128);
  assert.ok(small > 0.35 && small < 0.65, `share of units 128: ${small}`);
  assert.deepEqual(await sweep(7), a, 'the same seed draws the same configs');
  assert.notDeepEqual(await sweep(8), a, 'another seed draws others');
});

test('a healthy agent keeps a run alive past its lease by renewing it', async (t) => {
  // The run takes ~1.6 leases; without renewals pg-boss would retry or fail it after one.
  setEnv(t, { PROTOCOL_EPOCH_MS: '250' });
  const sc = await scope();
  await startAgent(t, sc);
  const { id } = await launch(sc, { epochs: Math.ceil((LEASE_SECONDS * 1600) / 250) }, { r: 1 });
  await untilStatus(id, 'RUNNING');
  const startedAt = Date.now();
  await untilStatus(id, 'FINISHED', 120_000);
  assert.ok(Date.now() - startedAt > LEASE_SECONDS * 1000, 'the run outlived one lease');
  const { run } = await s.gql(RUN, { id });
  assert.equal(run.launch.attempt, 0, 'never requeued');
  assert.equal(run.errorMessage, null);
  assert.equal(ledgerEntries().filter((e) => e.runId === id && e.what === 'start').length, 1);
});

test('attempt fencing: a stale agent whose lease was requeued elsewhere can neither renew nor complete the run', async () => {
  const sc = await scope();
  const register = (id: string) =>
    s.gql(
      `mutation($id: ID!, $n: String!, $l: [String!]) { registerAgent(input: { id: $id, host: "h", name: $n, concurrency: 1, labels: $l }) { id } }`,
      { id, n: `agent-${id}`, l: [sc.label] },
    );
  const claim = async (agentId: string) =>
    (
      await s.gql(`mutation($a: ID!) { claimRuns(agentId: $a, max: 1) { attempt leaseSeconds run { id } } }`, {
        a: agentId,
      })
    ).claimRuns;
  const renew = async (agentId: string, runId: string) =>
    (
      await s.gql(`mutation($a: ID!, $r: [ID!]!) { renewLeases(agentId: $a, runIds: $r) { lost cancel } }`, {
        a: agentId,
        r: [runId],
      })
    ).renewLeases;
  const report = (agentId: string, runId: string) =>
    s.gql(`mutation($a: ID!, $r: ID!) { reportRunExit(agentId: $a, runId: $r, exitCode: 0) { status } }`, {
      a: agentId,
      r: runId,
    });
  const stale = randomUUID();
  const fresh = randomUUID();
  await register(stale);
  await register(fresh);
  const { id } = await launch(sc, { epochs: 1 }, { r: 1 });
  const [first] = await waitFor(async () => {
    const c = await claim(stale);
    return c.length > 0 && c;
  });
  assert.deepEqual(first, { attempt: 0, leaseSeconds: LEASE_SECONDS, run: { id } });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });
  const claimedAt = Date.now();
  // The stale agent goes silent: after one lease the run is requeued for another attempt.
  await waitFor(async () => (await status(id)) === 'QUEUED', { timeout: LEASE_NOTICED_MS, what: 'requeued' });
  assert.ok(Date.now() - claimedAt >= LEASE_SECONDS * 1000 * 0.9, 'not requeued before the lease ran out');
  const [second] = await waitFor(async () => {
    const c = await claim(fresh);
    return c.length > 0 && c;
  });
  assert.deepEqual(second, { attempt: 1, leaseSeconds: LEASE_SECONDS, run: { id } });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id });

  assert.deepEqual(await renew(stale, id), { lost: [id], cancel: [] }, 'the stale agent is told to stop');
  assert.equal(
    (await report(stale, id)).reportRunExit.status,
    'RUNNING',
    "a stale exit report does not end attempt 1's run",
  );
  assert.deepEqual(await renew(fresh, id), { lost: [], cancel: [] }, 'attempt 1 still holds its lease');
  assert.equal((await report(fresh, id)).reportRunExit.status, 'FINISHED');
  const { run } = await s.gql(RUN, { id });
  assert.equal(run.launch.attempt, 1);
  assert.equal(run.launch.agent.id, fresh);
});

test('kill -9 an agent: its run is requeued (retries 1) and finished elsewhere, or CRASHED (retries 0), within a lease', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '500' });
  const sc = await scope();
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'trainers/src/agent/cli.ts', '--server', s.url, '--concurrency', '2'],
      ...['--labels', sc.label, '--command', PROTOCOL.join(' ')],
    ],
    { env: process.env, stdio: 'ignore' },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const requeue = (await launch(sc, { epochs: 60 }, { r: 1, n: 'requeue-me' })).id;
  const crash = (await launch(sc, { epochs: 60 }, { r: 0, n: 'crash-me' })).id;
  await waitFor(async () => (await status(requeue)) === 'RUNNING' && (await status(crash)) === 'RUNNING', {
    timeout: 60_000,
    what: 'both running',
  });
  const pids = ledgerEntries()
    .filter((e) => [requeue, crash].includes(e.runId) && e.what === 'start')
    .map((e) => e.pid);
  assert.equal(pids.length, 2);
  child.kill('SIGKILL');
  const killedAt = Date.now();
  // The lease the database holds at the kill: under load a renewal can land late, so the lower bound is what
  // the server granted, not LEASE_SECONDS counted from an assumed renewal rhythm.
  const { rows } = await db.query<{ ms: number }>(
    'SELECT extract(epoch FROM min(lease_expires_at) - now()) * 1000 AS ms FROM runs WHERE id = ANY($1::uuid[])',
    [[requeue, crash]],
  );
  const leaseLeftMs = Number(rows[0]?.ms);
  // The orphaned trainers notice their agent is gone (IPC disconnect) and stop at once, long before
  // the lease runs out: a requeued run must never have two trainers.
  await waitFor(() => pids.every((p) => !alive(p)), { timeout: 15_000, what: 'orphaned trainers to exit' });
  // The lease is what decides: both runs are dealt with within one lease (plus the supervisor's tick).
  await waitFor(async () => (await status(crash)) === 'CRASHED' && (await status(requeue)) === 'QUEUED', {
    timeout: LEASE_NOTICED_MS,
    what: 'CRASHED and requeued within a lease',
  });
  // The promise in docs/api.md, from both sides: not before the lease the agent last renewed has run out, and
  // within LEASE_SECONDS plus about a second (the bound adds the polls here).
  const decidedMs = Date.now() - killedAt;
  assert.ok(
    decidedMs >= leaseLeftMs - 250,
    `decided ${decidedMs} ms after the kill: before the lease ran out (${Math.round(leaseLeftMs)} ms were left)`,
  );
  assert.ok(
    decidedMs <= (LEASE_SECONDS + 3) * 1000,
    `decided ${decidedMs} ms after the kill (lease ${LEASE_SECONDS} s)`,
  );
  const crashed = (await s.gql(RUN, { id: crash })).run;
  assert.match(crashed.errorMessage, /lease/);
  process.env.PROTOCOL_EPOCH_MS = '50'; // restored by the setEnv above
  await startAgent(t, sc);
  await untilStatus(requeue, 'FINISHED');
  const { run } = await s.gql(RUN, { id: requeue });
  assert.equal(run.launch.attempt, 1);
  const starts = ledgerEntries().filter((e) => e.runId === requeue && e.what === 'start');
  assert.deepEqual(
    starts.map((e) => e.attempt),
    ['0', '1'],
    'ran once per attempt',
  );
  assert.ok(!ledgerEntries().some((e) => e.runId === crash && e.what === 'end'), 'the crashed run never finished');
  assert.equal(await status(crash), 'CRASHED');
});
