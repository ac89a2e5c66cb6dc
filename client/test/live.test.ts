// @runboard/client/live against the real server: a metricsLogged stream whose socket is cut while points
// are logged resubscribes with the seq it last applied and gets every point exactly once, in order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { resumableSubscription, type StreamState } from '@runboard/client/live';
import { createRunningRun, gqlClient, uniqueName } from '@runboard/test-kit/gql';
import { cuttableTcp } from '@runboard/test-kit/proxy';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const SUB = `subscription($runIds: [ID!]!, $since: [RunSeqInput!]) {
  metricsLogged(runIds: $runIds, since: $since) { runId seq points { step } } }`;
type Event = { metricsLogged: { runId: string; seq: number; points: { step: number }[] } };
/** What codegen would generate for SUB (web/src/gql/graphql.ts holds the dashboard's). */
const DOC = parse(SUB) as TypedDocumentNode<Event, { runIds: string[]; since?: { runId: string; seq: number }[] }>;

test('a cut socket is resumed from the last applied seq: every point once, in order', async (t) => {
  const gql = gqlClient(s.url);
  const run = await createRunningRun(gql, { experimentName: uniqueName('client-live') });
  const log = (step: number) =>
    gql(`mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { seq } }`, {
      id: run.id,
      c: { keys: ['loss'], steps: [step], values: [1 / step] },
    });
  const tcp = await cuttableTcp(new URL(s.url));
  const ws = createClient({
    url: tcp.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
  t.after(() => ws.dispose());
  let lastSeq = 0;
  const steps: number[] = [];
  const sent: unknown[] = [];
  const states: StreamState[] = [];
  const stop = resumableSubscription(ws, DOC, {
    variables: { runIds: [run.id] },
    resume: () => {
      const since = [{ runId: run.id, seq: lastSeq }];
      sent.push(since);
      return { since };
    },
    onData: (d) => {
      if (d.metricsLogged.seq <= lastSeq) return; // a replay overlapping what was applied
      lastSeq = d.metricsLogged.seq;
      steps.push(...d.metricsLogged.points.map((p) => p.step));
    },
    onState: (state) => states.push(state),
    baseDelayMs: 50,
  });
  t.after(stop);
  for (let step = 1; step <= 3; step++) await log(step);
  await waitFor(() => steps.length === 3, { what: 'the first 3 points live' });
  await tcp.cut();
  await waitFor(() => states.at(-1) === 'retrying', { what: 'the stream to notice the cut' });
  for (let step = 4; step <= 6; step++) await log(step);
  await tcp.restore();
  await waitFor(() => steps.length >= 6, { what: 'the points logged while cut', timeout: 30_000 });
  for (let step = 7; step <= 8; step++) await log(step);
  await waitFor(() => steps.length >= 8, { what: 'live points after the resume' });
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
  // The resubscribe asked for what came after the last applied seq, not the first subscribe's stale value.
  assert.ok(sent.length >= 2);
  assert.deepEqual(sent[0], [{ runId: run.id, seq: 0 }]);
  assert.ok((sent.at(-1) as { seq: number }[])[0]!.seq >= 3);
});
