// RunState is the one owner of run status, seq and lease: idempotent retries, lease expiry on its own clock,
// and fencing of an agent that lost its lease. Driven through the real server over HTTP and WebSocket.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { collect, startTestServer, type TestServer } from '@runboard/test-kit/server';

const LEASE_SECONDS = 3;
let s: TestServer;

before(async () => {
  s = await startTestServer({ leaseSeconds: LEASE_SECONDS });
});
after(() => s.close());

/** Polls `read` until `done` holds; fails with the last value after `timeoutMs`. */
async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const RUN_FIELDS = 'id status seq attempt: launch { attempt } errorMessage';
const CONFIG = { experiment: 'x', train: 'data/train', val: 'data/val', epochs: 1 };

async function registerAgent(name: string) {
  const id = randomUUID();
  await s.gql(`mutation($i: RegisterAgentInput!) { registerAgent(input: $i) { id } }`, {
    i: { id, name, host: 'test', concurrency: 1, labels: [name] },
  });
  return id;
}

async function launch(label: string, retries: number) {
  const { launchRun } = await s.gql(`mutation($i: LaunchRunInput!) { launchRun(input: $i) { id } }`, {
    i: { experimentName: `lease-${label}`, config: CONFIG, labels: [label], retries },
  });
  return launchRun.id as string;
}

async function claim(agentId: string) {
  const { claimRuns } = await s.gql(
    `mutation($a: ID!) { claimRuns(agentId: $a, max: 1) { attempt leaseSeconds run { id } } }`,
    { a: agentId },
  );
  return claimRuns as { attempt: number; leaseSeconds: number; run: { id: string } }[];
}

const runOf = (id: string) =>
  s.gql(`query($id: ID!) { run(id: $id) { ${RUN_FIELDS} updatedAt } }`, { id }).then((d) => d.run);

test('finishRun: 20 concurrent identical calls all succeed with one state change; another final status is refused', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "finish-race" }) { id } }`);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: createRun.id });
  const finish = `mutation($id: ID!) { finishRun(id: $id, status: FINISHED, exitCode: 0) { status seq } }`;
  const answers = await Promise.all(Array.from({ length: 20 }, () => s.request(finish, { id: createRun.id })));
  assert.deepEqual(
    answers.map((a) => a.errors ?? null),
    answers.map(() => null),
  );
  assert.ok(answers.every((a) => a.data.finishRun.status === 'FINISHED'));
  // One transition: every answer carries the same seq (the first call's), none bumped it again.
  assert.equal(new Set(answers.map((a) => a.data.finishRun.seq)).size, 1);
  const other = await s.request(`mutation($id: ID!) { finishRun(id: $id, status: FAILED) { status } }`, {
    id: createRun.id,
  });
  assert.equal(other.errors?.[0].extensions.code, 'INVALID_STATE_TRANSITION');
  assert.equal(other.errors?.[0].extensions.status, 'FINISHED');
});

test('an agent that stops renewing loses its run within LEASE_SECONDS + 5 s; with retries it goes back to QUEUED without passing through CRASHED', async () => {
  const label = `requeue${Date.now()}`;
  const agent = await registerAgent(label);
  const runId = await launch(label, 1);
  const [held] = await claim(agent);
  assert.equal(held?.run.id, runId);
  assert.equal(held?.leaseSeconds, LEASE_SECONDS);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: runId });
  const seen: string[] = [];
  const sub = collect<any>(s.ws(), `subscription($ids: [ID!]) { runChanged(runIds: $ids) { run { status } } }`, {
    ids: [runId],
  });
  const { renewLeases } = await s.gql(
    `mutation($a: ID!, $r: [ID!]!) { renewLeases(agentId: $a, runIds: $r) { lost cancel } }`,
    { a: agent, r: [runId] },
  );
  assert.deepEqual(renewLeases.lost, []);
  const lastRenewal = Date.now();
  // The agent "dies": no more renewals.
  const requeued = await poll(
    () => runOf(runId),
    (r) => r.status === 'QUEUED',
  );
  const lostAfter = (Date.now() - lastRenewal) / 1000;
  assert.ok(lostAfter <= LEASE_SECONDS + 5, `acted on after ${lostAfter.toFixed(1)} s`);
  assert.match(requeued.errorMessage, /Requeued: its agent stopped renewing the lease \(attempt 1 lost\)/);
  for (const e of await sub.until((events) => events.some((ev) => ev.runChanged.run.status === 'QUEUED')))
    seen.push(e.runChanged.run.status);
  assert.ok(!seen.includes('CRASHED'), `statuses seen: ${seen.join(', ')}`);
  sub.dispose();

  // A second agent claims the retry as attempt 1; the first agent's renewals and exit report are fenced out.
  const second = await registerAgent(label);
  const [retry] = await poll(
    () => claim(second),
    (c) => c.length === 1,
  );
  assert.equal(retry?.attempt, 1);
  const stale = await s.gql(`mutation($a: ID!, $r: [ID!]!) { renewLeases(agentId: $a, runIds: $r) { lost cancel } }`, {
    a: agent,
    r: [runId],
  });
  assert.deepEqual(stale.renewLeases.lost, [runId]);
  await s.gql(`mutation($a: ID!, $r: ID!) { reportRunExit(agentId: $a, runId: $r, exitCode: 1) { status } }`, {
    a: agent,
    r: runId,
  });
  const afterStale = await runOf(runId);
  assert.equal(afterStale.status, 'QUEUED', 'a stale agent cannot end the run');
  assert.equal(afterStale.attempt.attempt, 1);
});

test('without retries a lost lease ends the run CRASHED with the reason', async () => {
  const label = `crash${Date.now()}`;
  const agent = await registerAgent(label);
  const runId = await launch(label, 0);
  await claim(agent);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: runId });
  const crashed = await poll(
    () => runOf(runId),
    (r) => r.status === 'CRASHED',
  );
  assert.match(crashed.errorMessage, /no retries left/);
});

test('a healthy agent that keeps renewing holds its run past several leases', async () => {
  const label = `healthy${Date.now()}`;
  const agent = await registerAgent(label);
  const runId = await launch(label, 1);
  await claim(agent);
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: runId });
  const until = Date.now() + LEASE_SECONDS * 3 * 1000;
  while (Date.now() < until) {
    const { renewLeases } = await s.gql(
      `mutation($a: ID!, $r: [ID!]!) { renewLeases(agentId: $a, runIds: $r) { lost } }`,
      { a: agent, r: [runId] },
    );
    assert.deepEqual(renewLeases.lost, []);
    await new Promise((r) => setTimeout(r, (LEASE_SECONDS * 1000) / 4));
  }
  assert.equal((await runOf(runId)).status, 'RUNNING');
});
