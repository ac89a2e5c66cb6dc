import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { keyedApi } from '@runboard/test-kit/keys';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * An experiment-limited key must not reach other experiments by nesting: an agent that holds a run of expA and a
 * run of expB is reachable from the expA run, and its runs (and their experiments' runs) must show only expA.
 */
const ADMIN = 'admin-key-for-tests-0123456789';
let s: TestServer;
serverPerFile((server) => (s = server), { apiKey: ADMIN });

const { call, ok, createKey } = keyedApi(() => s.url, ADMIN);

const NESTED = `runs { experiment { name runs(first: 50) { nodes { id config notes metrics { key lastValue } } } } }`;

/** One agent holding a run of expA and a run of expB; each run has logged a metric. */
async function sharedAgent() {
  const label = `l-${randomUUID().slice(0, 8)}`;
  const launch = (e: string) =>
    ok(
      ADMIN,
      `mutation($e: String!, $l: [String!]) { launchRun(input: { experimentName: $e, labels: $l,
        config: { train: "data/train", val: "data/val" }, notes: $e }) { id } }`,
      { e, l: [label] },
    ).then((d) => d.launchRun.id as string);
  const runA = await launch('expA');
  const runB = await launch('expB');
  const agentId = randomUUID();
  await ok(
    ADMIN,
    `mutation($id: ID!, $l: [String!]) { registerAgent(input: { id: $id, name: "shared", host: "h", concurrency: 2, labels: $l }) { id } }`,
    { id: agentId, l: [label] },
  );
  const claimed = await ok(ADMIN, `mutation($id: ID!) { claimRuns(agentId: $id, max: 2) { run { id } } }`, {
    id: agentId,
  });
  assert.equal(claimed.claimRuns.length, 2);
  for (const id of [runA, runB]) {
    await ok(
      ADMIN,
      `mutation($id: ID!) { startRun(id: $id) { id } logMetrics(runId: $id, points: [{ key: "secret", step: 1, value: 7 }]) { accepted } }`,
      {
        id,
      },
    );
  }
  const all = await ok(ADMIN, `query($id: ID!) { run(id: $id) { launch { agent { ${NESTED} } } } }`, { id: runA });
  assert.equal(all.run.launch.agent.runs.length, 2, 'an unlimited key sees both runs of the agent');
  return { runA, runB };
}

/** Every experiment name and run id the nested answer reaches. */
function reached(agent: any) {
  const experiments = new Set<string>();
  const runs = new Set<string>();
  for (const r of agent.runs) {
    experiments.add(r.experiment.name);
    for (const n of r.experiment.runs.nodes) runs.add(n.id);
  }
  return { experiments: [...experiments], runs: [...runs] };
}

test('a key limited to expA reads only expA through run.launch.agent.runs.experiment.runs', async () => {
  const { runA, runB } = await sharedAgent();
  const read = await createKey(['READ'], ['expA']);
  const r = await call(read, `query($id: ID!) { run(id: $id) { launch { agent { ${NESTED} } } } }`, { id: runA });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  const seen = reached(r.body.data.run.launch.agent);
  assert.deepEqual(seen.experiments, ['expA']);
  assert.ok(seen.runs.includes(runA));
  assert.ok(!seen.runs.includes(runB), 'no run of expB');
  assert.ok(!JSON.stringify(r.body).includes('expB'), 'nothing of expB in the answer');
});

test('the same nesting from runChanged RunEvent.run answers only expA', async () => {
  const { runA } = await sharedAgent();
  const read = await createKey(['READ'], ['expA']);
  const client = createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { apiKey: read },
  });
  try {
    const event = await new Promise<any>((resolve, reject) => {
      const stop = client.subscribe(
        {
          query: `subscription($ids: [ID!], $since: [RunSeqInput!]) { runChanged(runIds: $ids, since: $since) {
            run { launch { agent { ${NESTED} } } } } }`,
          variables: { ids: [runA], since: [{ runId: runA, seq: 0 }] },
        },
        {
          next: (v) => {
            stop();
            if (v.errors) reject(new Error(JSON.stringify(v.errors)));
            else resolve(v.data);
          },
          error: reject,
          complete: () => reject(new Error('completed without an event')),
        },
      );
    });
    const agent = event.runChanged.run.launch.agent;
    assert.deepEqual(reached(agent).experiments, ['expA']);
    assert.ok(!JSON.stringify(event).includes('expB'), 'nothing of expB in the event');
  } finally {
    await client.dispose();
  }
});
