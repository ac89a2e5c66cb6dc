/**
 * cancelSweep against a real server and PostgreSQL: queued runs leave the queue (CANCELED, never handed
 * out afterwards), a claimed run gets a cancel request for its agent, ended runs are left alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.close();
});

const base = { train: 'data/train', val: 'data/validation', size: 32, batch: 4 };
const RUNS = `query($id: ID!) { sweep(id: $id) { runs { id status launch { cancelRequestedAt agent { id } } } } }`;

test('cancelSweep cancels queued runs, asks the claimed one to stop, and is harmless when repeated', async () => {
  await s.gql(`mutation { createExperiment(input: { name: "cancel" }) { id } }`);
  const { launchSweep } = await s.gql(
    `mutation($b: JSON!, $sp: JSON!) { launchSweep(input: { experimentName: "cancel", name: "grid", baseConfig: $b,
      space: $sp, method: GRID, maxRuns: 10, parallelism: 4, metric: "loss", goal: MINIMIZE }) { id runs { id } } }`,
    { b: base, sp: { lr: [1e-5, 2e-5, 3e-5, 4e-5] } },
  );
  const agentId = randomUUID();
  await s.gql(`mutation($i: RegisterAgentInput!) { registerAgent(input: $i) { id } }`, {
    i: { id: agentId, name: 'a', host: 'h', concurrency: 1 },
  });
  const { claimRuns } = await s.gql(`mutation($a: ID!) { claimRuns(agentId: $a, max: 1) { run { id } } }`, {
    a: agentId,
  });
  assert.equal(claimRuns.length, 1);
  const claimed = claimRuns[0].run.id;
  // One run already ended: it must stay as it is.
  const ended = launchSweep.runs.find((r: { id: string }) => r.id !== claimed).id;
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: ended });

  const res = await s.gql(`mutation($id: ID!) { cancelSweep(id: $id) { id name } }`, { id: launchSweep.id });
  assert.deepEqual(res.cancelSweep, { id: launchSweep.id, name: 'grid' });
  const { sweep } = await s.gql(RUNS, { id: launchSweep.id });
  for (const r of sweep.runs) {
    if (r.id === claimed) {
      assert.equal(r.status, 'QUEUED', 'the claimed run waits for its agent to stop it');
      assert.ok(r.launch.cancelRequestedAt, 'its agent is asked to stop it');
      assert.equal(r.launch.agent.id, agentId);
    } else assert.equal(r.status, 'CANCELED', `run ${r.id}`);
  }
  // Nothing is left on the queue for any agent.
  const again = await s.gql(`mutation($a: ID!) { claimRuns(agentId: $a, max: 4) { run { id } } }`, { a: agentId });
  assert.deepEqual(again.claimRuns, []);
  // Repeating it is harmless (ended runs are skipped, the claimed one keeps its request).
  await s.gql(`mutation($id: ID!) { cancelSweep(id: $id) { id } }`, { id: launchSweep.id });

  const missing = await s.request(`mutation { cancelSweep(id: "${randomUUID()}") { id } }`);
  assert.equal(missing.errors?.[0].extensions.code, 'NOT_FOUND');
  const bad = await s.request(`mutation { cancelSweep(id: "nope") { id } }`);
  assert.equal(bad.errors?.[0].extensions.code, 'NOT_FOUND');
});
