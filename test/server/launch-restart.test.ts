import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from '../../trainers/src/agent/agent.ts';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PROTOCOL = [process.execPath, '--import', 'tsx', 'test/fixtures/protocol-trainer.ts'];
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('server restart while runs are queued and running: nothing is lost, the agent reconnects', async () => {
  process.env.PROTOCOL_EPOCH_MS = '200';
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
    log: () => {},
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
  for (const until = Date.now() + 30_000; (await status(s, running)) !== 'RUNNING'; await sleep(100))
    assert.ok(Date.now() < until);

  // Restart the server where the agent and trainer expect it, on the same database.
  await s.stop();
  await sleep(2000);
  s = await startTestServer({ database, port, crashSweepIntervalMs: 1000 });
  cleanup.push(() => s.stop());
  cleanup.push(() => agent.stop(true)); // runs first: the agent reports to a live server, then the server stops

  for (const until = Date.now() + 60_000; ; await sleep(250)) {
    const [a, b] = [await status(s, running), await status(s, queued)];
    if (a === 'FINISHED' && b === 'FINISHED') break;
    assert.ok(Date.now() < until, `still ${a} / ${b}`);
  }
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
