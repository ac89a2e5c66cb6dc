/**
 * Entry points on the server: a launch names one (default vgg16, the built-in trainer), agents register theirs,
 * and the queue hands a run only to an agent that registered its entry point. Driven through the agent protocol
 * directly (registerAgent / claimRuns), so what the server decides is seen without an agent process; the
 * agent's side is test/trainer/entry-points-e2e.test.ts. Every test uses entry point names of its own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { errorCode, uniqueName } from '@runboard/test-kit/gql';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';
import type pg from 'pg';

let s: TestServer;
let db: pg.Pool;
serverPerFile((server, pool) => {
  s = server;
  db = pool;
});

const LAUNCH = `mutation($e: String!, $c: JSON!, $ep: String, $l: [String!]) {
  launchRun(input: { experimentName: $e, config: $c, entryPoint: $ep, labels: $l }) {
    id status config launch { entryPoint waitingForAgent waitingReason } } }`;
const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id entryPoints { name command builtin } } }`;
const CLAIM = `mutation($a: ID!) { claimRuns(agentId: $a, max: 10) { run { id config launch { entryPoint } } } }`;
const WAITING = `query($id: ID!) { run(id: $id) { status launch { waitingForAgent waitingReason agent { id } } } }`;
const jobs = async () => Number((await db.query(`SELECT count(*) FROM pgboss.job`)).rows[0].count);

async function register(entryPoints: { name: string; command: string[] }[], labels: string[] = []) {
  const id = randomUUID();
  const input = { id, name: `agent-${id.slice(0, 4)}`, host: 'test-host', concurrency: 4, labels, entryPoints };
  return (await s.gql(REGISTER, { input })).registerAgent as { id: string; entryPoints: any[] };
}

test('a launch naming an entry point no agent has stays QUEUED with a waitingReason naming it; an agent with it claims it', async () => {
  const e = uniqueName('ep-wait');
  const name = uniqueName('keras-seed');
  const { launchRun } = await s.gql(LAUNCH, { e, c: { lr: 0.01, anything: { nested: [1, 2] } }, ep: name });
  assert.equal(launchRun.status, 'QUEUED');
  assert.deepEqual(launchRun.config, { lr: 0.01, anything: { nested: [1, 2] } }, 'any JSON object, stored as given');
  assert.equal(launchRun.launch.entryPoint, name);
  assert.equal(launchRun.launch.waitingForAgent, true);
  // An agent online without the entry point does not change that, and cannot claim the run.
  const other = await register([
    { name: 'vgg16', command: [] },
    { name: uniqueName('other'), command: ['/usr/bin/python3', 'other.py'] },
  ]);
  assert.deepEqual(await s.gql(CLAIM, { a: other.id }).then((d) => d.claimRuns), []);
  let { run } = await s.gql(WAITING, { id: launchRun.id });
  assert.equal(run.status, 'QUEUED');
  assert.equal(run.launch.waitingForAgent, true);
  assert.equal(run.launch.waitingReason, `no online agent has the entry point "${name}"`);
  // One with the entry point but without the run's labels: the reason says what is missing.
  const labelled = await s.gql(LAUNCH, { e, c: {}, ep: name, l: ['gpu'] });
  ({ run } = await s.gql(WAITING, { id: labelled.launchRun.id }));
  assert.equal(run.launch.waitingReason, `no online agent has the entry point "${name}"`);
  const runner = await register([{ name, command: ['/usr/bin/python3', 'train.py'] }]);
  ({ run } = await s.gql(WAITING, { id: launchRun.id }));
  assert.equal(run.launch.waitingForAgent, false);
  assert.equal(run.launch.waitingReason, null);
  ({ run } = await s.gql(WAITING, { id: labelled.launchRun.id }));
  assert.equal(run.launch.waitingReason, `no online agent with the entry point "${name}" has the labels gpu`);
  const claimed = (await s.gql(CLAIM, { a: runner.id })).claimRuns;
  assert.deepEqual(
    claimed.map((c: any) => [c.run.id, c.run.launch.entryPoint]),
    [[launchRun.id, name]],
    'the agent with the entry point claims the run, and not the one needing labels it lacks',
  );
  ({ run } = await s.gql(WAITING, { id: launchRun.id }));
  assert.equal(run.launch.agent.id, runner.id);
});

test('the built-in trainer stays the default: a launch naming none is vgg16, validated and claimed only by agents that run it', async () => {
  const e = uniqueName('ep-default');
  const label = uniqueName('lbl').replace(/[^A-Za-z0-9_-]/g, '');
  const bad = await s.request(LAUNCH, { e, c: { data: 'cats_vs_dogs', epochs: 'many' }, l: [label] });
  assert.equal(errorCode(bad), 'BAD_USER_INPUT', 'the trainer schema still applies to vgg16');
  const { launchRun } = await s.gql(LAUNCH, { e, c: { data: 'cats_vs_dogs', epochs: 1 }, l: [label] });
  assert.equal(launchRun.launch.entryPoint, 'vgg16');
  assert.equal(launchRun.config.lr, 2e-5, 'trainer defaults filled in');
  const pythonOnly = await register([{ name: uniqueName('py'), command: ['python3', 'x.py'] }], [label]);
  assert.deepEqual((await s.gql(CLAIM, { a: pythonOnly.id })).claimRuns, []);
  const { run } = await s.gql(WAITING, { id: launchRun.id });
  assert.equal(run.launch.waitingReason, `no online agent with the entry point "vgg16" has the labels ${label}`);
  // An agent from before entry points (registerAgent without them) runs the built-in trainer.
  const legacyId = randomUUID();
  const legacy = await s.gql(
    `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id entryPoints { name builtin } } }`,
    { input: { id: legacyId, name: 'legacy', host: 'h', concurrency: 1, labels: [label] } },
  );
  assert.deepEqual(legacy.registerAgent.entryPoints, [{ name: 'vgg16', builtin: true }]);
  const claimed = (await s.gql(CLAIM, { a: legacyId })).claimRuns;
  assert.deepEqual(
    claimed.map((c: any) => c.run.id),
    [launchRun.id],
  );
});

test('a request cannot name a command: no input field takes one, and a bad entry point name is refused with nothing queued', async () => {
  const e = uniqueName('ep-inject');
  const before = await jobs();
  const withCommand = await s.request(
    `mutation($e: String!) { launchRun(input: { experimentName: $e, config: {}, entryPoint: "x", command: "touch /tmp/pwned" }) { id } }`,
    { e },
  );
  assert.equal(errorCode(withCommand), 'GRAPHQL_VALIDATION_FAILED');
  // The launch inputs have no field through which a program or argument could travel.
  const { __schema } = await s.gql(`{ __schema { types { name inputFields { name } } } }`);
  for (const type of ['LaunchRunInput', 'LaunchSweepInput']) {
    const fields = __schema.types.find((t: any) => t.name === type).inputFields.map((f: any) => f.name);
    assert.deepEqual(
      fields.filter((f: string) => /command|program|argv|args|script|shell|exec/i.test(f)),
      [],
      `${type}: ${fields}`,
    );
  }
  for (const ep of ['python3 train.py', '../../bin/sh', '$(touch /tmp/pwned)', 'a;rm -rf /', '', 'x'.repeat(65)]) {
    const body = await s.request(LAUNCH, { e, c: {}, ep });
    assert.equal(errorCode(body), 'BAD_USER_INPUT', ep);
    assert.equal(body.errors![0].extensions.field, 'entryPoint');
  }
  const sweep = await s.request(
    `mutation($e: String!) { launchSweep(input: { experimentName: $e, entryPoint: "a b", baseConfig: {}, space: { lr: [1, 2] },
       method: GRID, maxRuns: 2, parallelism: 1, metric: "loss", goal: MINIMIZE }) { id } }`,
    { e },
  );
  assert.equal(errorCode(sweep), 'BAD_USER_INPUT');
  assert.equal(await jobs(), before, 'nothing queued');
  const exp = await s.gql(`query($n: String!) { experiment(name: $n) { id } }`, { n: e });
  assert.equal(exp.experiment, null, 'not even the experiment');
});

test("a declared program's config must be a JSON object of bounded size", async () => {
  const e = uniqueName('ep-config');
  for (const c of [[1, 2], 'text', 3]) {
    const body = await s.request(LAUNCH, { e, c, ep: 'script' });
    assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(c));
  }
  const huge = await s.request(LAUNCH, { e, c: { blob: 'x'.repeat(1_100_000) }, ep: 'script' });
  assert.equal(errorCode(huge), 'BAD_USER_INPUT');
  assert.match(huge.errors![0].message, /bytes of JSON/);
});

test('registerAgent checks entry points: names, duplicates, empty commands; Agent.entryPoints lists them', async () => {
  const input = (entryPoints: unknown) => ({
    input: { id: randomUUID(), name: 'a', host: 'h', concurrency: 1, entryPoints },
  });
  const cases: [unknown, string][] = [
    [[{ name: 'has space', command: ['x'] }], 'entryPoints[0].name'],
    [
      [
        { name: 'a', command: ['x'] },
        { name: 'a', command: ['y'] },
      ],
      'entryPoints[1].name',
    ],
    [[{ name: 'a', command: [] }], 'entryPoints[0].command'],
    [[{ name: 'a', command: ['x\u0000'] }], 'entryPoints[0].command'],
  ];
  for (const [eps, field] of cases) {
    const body = await s.request(REGISTER, input(eps));
    assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(eps));
    assert.equal(body.errors![0].extensions.field, field);
  }
  const name = uniqueName('listed');
  const agent = await register([
    { name: 'vgg16', command: [] },
    { name, command: ['/usr/bin/python3', '/srv/train.py', '--epochs', '3'] },
  ]);
  const { agents } = await s.gql(`{ agents { id entryPoints { name command builtin } } }`);
  assert.deepEqual(agents.find((a: any) => a.id === agent.id).entryPoints, [
    { name: 'vgg16', command: [], builtin: true },
    { name, command: ['/usr/bin/python3', '/srv/train.py', '--epochs', '3'], builtin: false },
  ]);
});

test('a sweep over a declared program: every grid point applied to the free-form base config, each run queued for it', async () => {
  const e = uniqueName('ep-sweep');
  const name = uniqueName('torch');
  const { launchSweep } = await s.gql(
    `mutation($e: String!, $ep: String!, $space: JSON!) { launchSweep(input: { experimentName: $e, entryPoint: $ep,
       baseConfig: { epochs: 3, model: { hidden: 8 } }, space: $space,
       method: GRID, maxRuns: 10, parallelism: 2, metric: "loss", goal: MINIMIZE }) {
         runs { config launch { entryPoint waitingForAgent } } } }`,
    { e, ep: name, space: { lr: [0.1, 0.01], 'model.hidden': [8, 16] } },
  );
  const runs = launchSweep.runs;
  assert.equal(runs.length, 4);
  assert.ok(runs.every((r: any) => r.launch.entryPoint === name && r.launch.waitingForAgent));
  assert.deepEqual(runs.map((r: any) => [r.config.lr, r.config.model.hidden, r.config.epochs]).sort(), [
    [0.01, 16, 3],
    [0.01, 8, 3],
    [0.1, 16, 3],
    [0.1, 8, 3],
  ]);
  const agent = await register([{ name, command: ['python3', 't.py'] }]);
  const claimed = (await s.gql(CLAIM, { a: agent.id })).claimRuns;
  assert.equal(claimed.length, 2, 'the sweep parallelism holds for any entry point');
});

test('a sweep space cannot reach object prototypes: __proto__, prototype and constructor are refused', async () => {
  const e = uniqueName('ep-proto');
  for (const key of ['__proto__.polluted', 'a.__proto__.polluted', 'constructor.prototype.polluted']) {
    const body = await s.request(
      `mutation($e: String!, $space: JSON!) { launchSweep(input: { experimentName: $e, entryPoint: "script",
         baseConfig: {}, space: $space, method: GRID, maxRuns: 1, parallelism: 1, metric: "loss", goal: MINIMIZE }) { id } }`,
      { e, space: { [key]: [1] } },
    );
    assert.equal(errorCode(body), 'BAD_USER_INPUT', key);
    assert.equal(body.errors![0].extensions.field, `space.${key}`);
  }
  // The server runs in this process: nothing reached Object.prototype.
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
