import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { setEnv, waitFor } from '@runboard/test-kit/wait';
import { Agent } from '@runboard/trainers';

const PROTOCOL = [process.execPath, '--import', 'tsx', 'test/fixtures/protocol-trainer.ts'];
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('server restart while runs are queued and running: nothing is lost, the agent reconnects', async (t) => {
  setEnv(t, { PROTOCOL_EPOCH_MS: '200' });
  const agentLog: string[] = [];
  let s: TestServer = await startTestServer({ crashSweepIntervalMs: 1000 });
  const { port, database } = s;
  cleanup.push(() => database.drop());
  const agent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: [],
    labels: [],
    command: PROTOCOL,
    pollMs: 200,
    log: (m) => agentLog.push(m),
  });
  await agent.start();
  cleanup.push(() => agent.stop(true)); // if the test fails early; stopping twice is harmless
  await s.gql(`mutation { createExperiment(input: { name: "restart" }) { id } }`);
  const launch = (n: string) =>
    s.gql(
      `mutation($c: JSON!, $n: String) { launchRun(input: { experimentName: "restart", config: $c, name: $n }) { id } }`,
      {
        c: { train: 'a', val: 'b', epochs: 25 },
        n,
      },
    );
  const running = (await launch('running')).launchRun.id;
  const queued = (await launch('queued')).launchRun.id;
  const status = async (server: TestServer, id: string) =>
    (await server.gql(`query($id: ID!) { run(id: $id) { status } }`, { id })).run.status;
  await waitFor(async () => (await status(s, running)) === 'RUNNING', { what: 'RUNNING' });

  // Restart the server where the agent and trainer expect it, on the same database.
  await s.stop();
  // Down until the agent has noticed (a failed call), so the restart is one it must ride out.
  const before = agentLog.length;
  await waitFor(() => agentLog.slice(before).some((m) => /failed/.test(m)), { what: 'the agent to notice the outage' });
  s = await startTestServer({ database, port, crashSweepIntervalMs: 1000 });
  cleanup.push(() => s.stop());
  cleanup.push(() => agent.stop(true)); // runs first: the agent reports to a live server, then the server stops

  await waitFor(async () => (await status(s, running)) === 'FINISHED' && (await status(s, queued)) === 'FINISHED', {
    timeout: 90_000,
    what: 'both runs FINISHED',
  });
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { metrics { key count } launch { attempt } logs { lines { text } } } }`,
    { id: running },
  );
  assert.deepEqual(run.metrics, [{ key: 'loss', count: 25 }], 'every epoch logged, across the restart');
  assert.equal(run.launch.attempt, 0, 'the lease survived the restart: no requeue, no second run');
  assert.ok(
    run.logs.lines.some((l: { text: string }) => /epoch 25\/25/.test(l.text)),
    'logs kept flowing after the restart',
  );
});
