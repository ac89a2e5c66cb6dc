import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent } from '../../trainers/src/agent/agent.ts';
import { collect, startTestServer, type TestServer } from '../helpers/server.js';

const PROTOCOL = [process.execPath, '--import', 'tsx', 'test/fixtures/protocol-trainer.ts'];
const base = { train: 'data/train', val: 'data/validation', size: 32, batch: 4 };
let s: TestServer;
let db: pg.Pool;
const agents: Agent[] = [];
const ledger = path.join(mkdtempSync(path.join(tmpdir(), 'runboard-ledger-')), 'ledger.jsonl');

before(async () => {
  process.env.PROTOCOL_LEDGER = ledger;
  s = await startTestServer({ crashSweepIntervalMs: 1000, leaseSeconds: 10 });
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
  await s.gql(`mutation { createExperiment(input: { name: "launch" }) { id } }`);
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop(true)));
  await db.end();
  await s.close();
});

function startAgent(opts: { concurrency?: number; labels?: string[]; graceSeconds?: number } = {}) {
  const agent = new Agent({
    server: s.url,
    concurrency: opts.concurrency ?? 1,
    gpus: [],
    labels: opts.labels ?? [],
    command: PROTOCOL,
    graceSeconds: opts.graceSeconds ?? 5,
    pollMs: 200,
    log: () => {},
  });
  agents.push(agent);
  return agent.start().then(() => agent);
}

const LAUNCH = `mutation($c: JSON!, $n: String, $l: [String!], $r: Int) {
  launchRun(input: { experimentName: "launch", config: $c, name: $n, labels: $l, retries: $r }) { id status config launch { waitingForAgent attempt } } }`;
const RUN = `query($id: ID!) { run(id: $id) { status exitCode errorMessage systemInfo metrics { key count } launch { attempt agent { id } } logs { lines { line stream text } } } }`;

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const status = async (id: string) => (await s.gql(RUN, { id })).run.status as string;
const ledgerEntries = () =>
  existsSync(ledger)
    ? readFileSync(ledger, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

test('launchRun validates the config against the trainer schema and queues nothing when it is wrong', async () => {
  const jobsBefore = Number(
    (await db.query(`SELECT count(*) FROM pgboss.job`).catch(() => ({ rows: [{ count: 0 }] }))).rows[0].count,
  );
  const bad = await s.request(LAUNCH, { c: { ...base, lrr: 1, epochs: 'many' } });
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const paths = bad.errors![0].extensions.issues.map((i: any) => i.path);
  assert.ok(paths.includes('config.epochs') && paths.some((p: string) => p === 'config'), JSON.stringify(paths));
  assert.match(bad.errors![0].message, /lrr/);
  const agentOwned = await s.request(LAUNCH, { c: { ...base, server: 'http://x' } });
  assert.equal(agentOwned.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  // A new experiment name with a bad config: refused, and the experiment is not created half-way.
  const invalidIntoNew = await s.request(
    `mutation { launchRun(input: { experimentName: "nope", config: {} }) { id } }`,
  );
  assert.equal(invalidIntoNew.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal((await s.gql(`{ experiment(name: "nope") { id } }`)).experiment, null);
  const typed = await s.request(LAUNCH, { c: { ...base, lr: 'fast' } });
  assert.equal(typed.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(typed.errors![0].message, /config\.lr: expected a number, got "fast"/);
  assert.doesNotMatch(typed.errors![0].message, /NaN/);
  assert.equal(Number((await db.query(`SELECT count(*) FROM runs`)).rows[0].count), 0);
  const jobsAfter = Number((await db.query(`SELECT count(*) FROM pgboss.job`)).rows[0].count);
  assert.equal(jobsAfter, jobsBefore);
  const schema = await s.gql(`{ trainerConfigSchema }`);
  assert.ok(schema.trainerConfigSchema.properties.lr, 'the JSON Schema lists the trainer fields');
});

test('with no agent online the run waits QUEUED and says so; cancel takes it out of the queue', async () => {
  const { launchRun } = await s.gql(LAUNCH, { c: { ...base, epochs: 2 }, l: ['nobody-has-this'] });
  assert.equal(launchRun.status, 'QUEUED');
  assert.equal(launchRun.launch.waitingForAgent, true);
  assert.equal(launchRun.config.lr, 2e-5, 'stored with the trainer defaults filled in');
  const q = await s.gql(`{ queueStatus { queued agentsOnline } }`);
  assert.ok(q.queueStatus.queued >= 1);
  const { cancelRun } = await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { status } }`, { id: launchRun.id });
  assert.equal(cancelRun.status, 'CANCELED');
  const again = await s.request(`mutation($id: ID!) { cancelRun(id: $id) { status } }`, { id: launchRun.id });
  assert.equal(again.errors?.[0].extensions.code, 'INVALID_STATE_TRANSITION');
});

test('launch -> an agent runs the trainer -> FINISHED with metrics and logs, tailed live', async () => {
  const { launchRun } = await s.gql(LAUNCH, { c: { ...base, epochs: 3 }, n: 'via-agent' });
  const tail = collect<any>(s.ws(), `subscription($id: ID!) { runLogs(runId: $id) { lines { line text } } }`, {
    id: launchRun.id,
  });
  await startAgent();
  await waitFor('FINISHED', async () => (await status(launchRun.id)) === 'FINISHED');
  const { run } = await s.gql(RUN, { id: launchRun.id });
  assert.equal(run.exitCode, 0);
  assert.deepEqual(run.metrics, [{ key: 'loss', count: 3 }]);
  assert.equal(run.systemInfo.engine, 'protocol-trainer');
  assert.ok(run.systemInfo.agent.host, 'records where it ran');
  assert.equal(run.launch.attempt, 0);
  await waitFor('logs', async () => (await s.gql(RUN, { id: launchRun.id })).run.logs.lines.length >= 4);
  const lines = (await s.gql(RUN, { id: launchRun.id })).run.logs.lines;
  assert.deepEqual(
    lines.map((l: any) => l.line),
    lines.map((_: unknown, i: number) => i + 1),
  );
  assert.ok(lines.some((l: any) => l.stream === 'STDOUT' && /epoch 3\/3/.test(l.text)));
  assert.ok(lines.some((l: any) => l.stream === 'STDERR' && /done/.test(l.text)));
  const live = await tail.until((e) => e.flatMap((x) => x.runLogs.lines).length >= 4);
  assert.ok(live.flatMap((x) => x.runLogs.lines).some((l: any) => /epoch 1\/3/.test(l.text)));
  tail.dispose();
});

test('cancel a running run: SIGTERM reaches the trainer and the run ends CANCELED', async () => {
  process.env.PROTOCOL_EPOCH_MS = '300';
  const { launchRun } = await s.gql(LAUNCH, { c: { ...base, epochs: 200 } });
  await waitFor('RUNNING', async () => (await status(launchRun.id)) === 'RUNNING');
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
  await waitFor('CANCELED', async () => (await status(launchRun.id)) === 'CANCELED', 20_000);
  const logs = (await s.gql(RUN, { id: launchRun.id })).run.logs.lines.map((l: any) => l.text);
  await waitFor('stop line', async () =>
    (await s.gql(RUN, { id: launchRun.id })).run.logs.lines.some((l: any) => /stopping after epoch/.test(l.text)),
  );
  assert.ok(logs.length < 200);
  process.env.PROTOCOL_EPOCH_MS = '100';
});

test('two agents, 10 runs: each run runs exactly once', async () => {
  await startAgent({ concurrency: 2 });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++)
    ids.push((await s.gql(LAUNCH, { c: { ...base, epochs: 2 }, n: `batch-${i}` })).launchRun.id);
  await waitFor(
    'all finished',
    async () => (await Promise.all(ids.map(status))).every((x) => x === 'FINISHED'),
    60_000,
  );
  const starts = ledgerEntries().filter((e) => e.what === 'start' && ids.includes(e.runId));
  assert.equal(starts.length, 10);
  assert.equal(new Set(starts.map((e) => e.runId)).size, 10);
  const agentsUsed = await db.query(`SELECT count(DISTINCT agent_id)::int AS n FROM runs WHERE id = ANY($1)`, [ids]);
  assert.equal(agentsUsed.rows[0].n, 2, 'both agents took work');
});

test('a sweep of 4 grid points at parallelism 2 never runs more than 2 at once', async () => {
  process.env.PROTOCOL_EPOCH_MS = '250';
  await startAgent({ concurrency: 3 }); // 3 agents with 1 + 2 + 3 slots: only the sweep's parallelism limits it
  const { launchSweep } = await s.gql(
    `mutation($b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: "launch", name: "grid", baseConfig: $b, space: $sp,
        method: GRID, maxRuns: 10, parallelism: 2, metric: "loss", goal: MINIMIZE }) { id runs { id config } } }`,
    { b: { ...base, epochs: 12 }, sp: { lr: [1e-5, 2e-5], units: { values: [128, 256] } } },
  );
  const ids = launchSweep.runs.map((r: any) => r.id);
  assert.equal(ids.length, 4);
  assert.deepEqual(
    launchSweep.runs.map((r: any) => [r.config.lr, r.config.units]),
    [
      [1e-5, 128],
      [1e-5, 256],
      [2e-5, 128],
      [2e-5, 256],
    ],
  );
  await waitFor(
    'sweep finished',
    async () => (await Promise.all(ids.map(status))).every((x) => x === 'FINISHED'),
    60_000,
  );
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
  process.env.PROTOCOL_EPOCH_MS = '100';
  const badGrid = await s.request(
    `mutation { launchSweep(input: { experimentName: "launch", baseConfig: {train: "a", val: "b"}, space: { lr: { min: 0.1, max: 1 } }, method: GRID, maxRuns: 2, parallelism: 1, metric: "loss", goal: MINIMIZE }) { id } }`,
  );
  assert.equal(badGrid.errors?.[0].extensions.code, 'BAD_USER_INPUT');
});

test('kill -9 an agent: its run is requeued (retries 1) and finished elsewhere, or CRASHED (retries 0)', async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop(true)));
  process.env.PROTOCOL_EPOCH_MS = '500';
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'trainers/src/agent/cli.ts',
      '--server',
      s.url,
      '--concurrency',
      '2',
      '--command',
      PROTOCOL.join(' '),
    ],
    {
      env: process.env,
      stdio: 'ignore',
    },
  );
  const requeue = (await s.gql(LAUNCH, { c: { ...base, epochs: 30 }, r: 1, n: 'requeue-me' })).launchRun.id;
  const crash = (await s.gql(LAUNCH, { c: { ...base, epochs: 30 }, r: 0, n: 'crash-me' })).launchRun.id;
  await waitFor(
    'both running',
    async () => (await status(requeue)) === 'RUNNING' && (await status(crash)) === 'RUNNING',
    30_000,
  );
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor('crashed', async () => (await status(crash)) === 'CRASHED', 60_000);
  await waitFor('requeued', async () => ['QUEUED'].includes(await status(requeue)), 60_000);
  assert.ok(Date.now() - killedAt < 60_000, 'within 60 s');
  const crashed = (await s.gql(RUN, { id: crash })).run;
  assert.match(crashed.errorMessage, /lease/);
  process.env.PROTOCOL_EPOCH_MS = '50';
  await startAgent();
  await waitFor('requeued run finished', async () => (await status(requeue)) === 'FINISHED', 60_000);
  const { run } = await s.gql(RUN, { id: requeue });
  assert.equal(run.launch.attempt, 1);
  const starts = ledgerEntries().filter((e) => e.runId === requeue && e.what === 'start');
  assert.equal(starts.length, 2, 'ran once per attempt');
  assert.ok(
    !ledgerEntries().some((e) => e.runId === crash && e.what === 'end'),
    'the orphaned trainer stopped with its agent',
  );
});
