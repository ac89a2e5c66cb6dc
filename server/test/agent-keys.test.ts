import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { keyedApi } from '@runboard/test-kit/keys';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';

/** Agents are bound to the AGENT key that registered them: another AGENT key cannot act for them (issue #20, item 5). */
const ADMIN = 'admin-key-for-tests-0123456789';
let s: TestServer;
serverPerFile((server) => (s = server), { apiKey: ADMIN });

const { call, ok, createKey } = keyedApi(() => s.url, ADMIN);

async function forbidden(key: string, query: string, variables: Record<string, unknown>, what: string) {
  const r = await call(key, query, variables);
  assert.equal(r.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${what}: ${JSON.stringify(r.body)}`);
}

const agentKey = () => createKey(['AGENT']);

const REGISTER = `mutation($id: ID!, $name: String!, $l: [String!]) {
  registerAgent(input: { id: $id, name: $name, host: "h", concurrency: 1, labels: $l }) { id name } }`;
const CLAIM = `mutation($id: ID!) { claimRuns(agentId: $id, max: 1) { run { id } } }`;
const RENEW = `mutation($id: ID!, $runs: [ID!]!) { renewLeases(agentId: $id, runIds: $runs) { lost ended } }`;
const EXIT = `mutation($id: ID!, $run: ID!) { reportRunExit(agentId: $id, runId: $run, exitCode: 0) { status } }`;
const LOG = `mutation($run: ID!, $t: String!) { appendRunLogs(runId: $run, lines: [{ stream: STDOUT, text: $t }]) }`;
const RUN = `query($id: ID!) { run(id: $id) { status logs { lines { text } } } agents { id name } }`;

test('another AGENT key cannot register, claim, renew, report or log for an agent it does not own', async () => {
  const [owner, other] = [await agentKey(), await agentKey()];
  const label = `l-${randomUUID().slice(0, 8)}`;
  const agentId = randomUUID();
  await ok(owner, REGISTER, { id: agentId, name: 'mine', l: [label] });
  const launched = await ok(
    ADMIN,
    `mutation($l: [String!]) { launchRun(input: { experimentName: "agents", labels: $l,
      config: { train: "data/train", val: "data/val" } }) { id } }`,
    { l: [label] },
  );
  const runId = launched.launchRun.id as string;
  const claimed = await ok(owner, CLAIM, { id: agentId });
  assert.deepEqual(
    claimed.claimRuns.map((c: any) => c.run.id),
    [runId],
  );
  await ok(owner, LOG, { run: runId, t: 'from the owner' });
  const before = await ok(ADMIN, RUN, { id: runId });

  await forbidden(other, REGISTER, { id: agentId, name: 'forged', l: [label] }, 'registerAgent with its id');
  await forbidden(other, CLAIM, { id: agentId }, 'claimRuns');
  await forbidden(other, RENEW, { id: agentId, runs: [runId] }, 'renewLeases');
  await forbidden(other, EXIT, { id: agentId, run: runId }, 'reportRunExit');
  await forbidden(other, LOG, { run: runId, t: 'forged line' }, 'appendRunLogs');
  // Its own agent does not hold the run either.
  await ok(other, REGISTER, { id: randomUUID(), name: 'theirs', l: [] });
  await forbidden(other, LOG, { run: runId, t: 'forged line' }, 'appendRunLogs from its own agent');

  const afterForgery = await ok(ADMIN, RUN, { id: runId });
  assert.deepEqual(afterForgery.run, before.run, 'the run is untouched');
  assert.equal(afterForgery.agents.find((a: any) => a.id === agentId).name, 'mine', 'the agent is untouched');

  // The owner keeps acting for its agent; ADMIN may act for any.
  await ok(owner, REGISTER, { id: agentId, name: 'mine-again', l: [label] });
  assert.deepEqual((await ok(owner, RENEW, { id: agentId, runs: [runId] })).renewLeases.lost, []);
  await ok(ADMIN, LOG, { run: runId, t: 'from admin' });
  await ok(ADMIN, RENEW, { id: agentId, runs: [runId] });
  assert.notEqual((await ok(owner, EXIT, { id: agentId, run: runId })).reportRunExit.status, undefined);
});
