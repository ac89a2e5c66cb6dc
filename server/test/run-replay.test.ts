import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyedApi } from '@runboard/test-kit/keys';
import { collect, serverPerFile, type TestServer } from '@runboard/test-kit/server';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * runChanged's replay over a real server and WebSocket: the RESYNC a page asks for with `startWithResync` (runs
 * created between its read and its subscription are in no replay by seq), and runs followed by id that were deleted
 * while the subscriber was away, answered alike for every id a limited key cannot tell apart.
 */
const ADMIN = 'admin-key-for-run-replay-0123456789';
let s: TestServer;
serverPerFile((server) => (s = server), { apiKey: ADMIN });
const { ok, createKey } = keyedApi(() => s.url, ADMIN);

const NEVER_A_RUN = '00000000-0000-4000-8000-00000000beef';
const EVENT = 'seq kind runId experimentId run { id status }';

function ws(apiKey: string) {
  return createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { apiKey },
  });
}

async function newRun(experimentName: string, name?: string) {
  const d = await ok(
    ADMIN,
    `mutation($e: String, $n: String) { createRun(input: { experimentName: $e, name: $n }) { id seq experiment { id } } }`,
    { e: experimentName, n: name },
  );
  return { id: d.createRun.id as string, seq: d.createRun.seq as number, experimentId: d.createRun.experiment.id };
}

const deleteRun = (id: string) => ok(ADMIN, `mutation($id: ID!) { deleteRun(id: $id) }`, { id });

test('startWithResync: RESYNC comes after the replay, once listening; a run created before it is counted', async () => {
  const listed = await newRun('resync', 'listed');
  // The page has read its list (one run, this seq); a run is created before its subscription is live.
  const read = [{ runId: listed.id, seq: listed.seq }];
  await ok(ADMIN, `mutation($id: ID!) { startRun(id: $id) { id } }`, { id: listed.id });
  const unlisted = await newRun('resync', 'created-in-the-window');
  const client = ws(ADMIN);
  const sub = collect<any>(
    client,
    `subscription($e: ID, $since: [RunSeqInput!]) {
      runChanged(experimentId: $e, since: $since, sinceListedOnly: true, startWithResync: true) { ${EVENT} } }`,
    { e: listed.experimentId, since: read },
  );
  const events = await sub.until((e) => e.some((x) => x.runChanged.kind === 'RESYNC'));
  // The listed run's change is replayed first; the unlisted run is in no replay, RESYNC is what tells the page.
  // Its CREATED notice, committed before the subscription, may still reach it late, as a live event after RESYNC
  // (the page does not hold that run, so it is no duplicate): only what came up to RESYNC is the replay.
  const first = events.slice(0, events.findIndex((x) => x.runChanged.kind === 'RESYNC') + 1);
  assert.deepEqual(
    first.map((e) => [e.runChanged.kind, e.runChanged.runId]),
    [
      ['UPDATED', listed.id],
      ['RESYNC', null],
    ],
  );
  assert.deepEqual(first[1].runChanged, {
    seq: null,
    kind: 'RESYNC',
    runId: null,
    experimentId: listed.experimentId,
    run: null,
  });
  // A count read on RESYNC sees the run created in the window; everything later arrives live.
  const counted = await ok(ADMIN, `query($e: ID) { runs(filter: { experimentId: $e }) { totalCount } }`, {
    e: listed.experimentId,
  });
  assert.equal(counted.runs.totalCount, 2);
  assert.notEqual(unlisted.id, listed.id);
  const late = await newRun('resync', 'late');
  const all = await sub.until((e) => e.some((x) => x.runChanged.runId === late.id));
  assert.equal(all.filter((e) => e.runChanged.kind === 'RESYNC').length, 1, 'one RESYNC per subscribe');
  assert.equal(all.at(-1).runChanged.kind, 'CREATED');
  assert.deepEqual(sub.errors, []);
  // Without the argument there is no RESYNC (and no replay without `since`): the first event is the live one.
  const plain = collect<any>(client, `subscription($e: ID) { runChanged(experimentId: $e) { ${EVENT} } }`, {
    e: listed.experimentId,
  });
  // Barrier: an event sent after this subscription is live (the RESYNC of a second subscription of the same client).
  const barrier = collect<any>(
    client,
    `subscription($e: ID) { runChanged(experimentId: $e, startWithResync: true) { ${EVENT} } }`,
    { e: listed.experimentId },
  );
  await barrier.until((e) => e.length >= 1);
  const after = await newRun('resync', 'after');
  const got = await plain.until((e) => e.some((x) => x.runChanged.runId === after.id));
  assert.deepEqual(
    got.map((e) => e.runChanged.kind),
    ['CREATED'],
  );
  sub.dispose();
  plain.dispose();
  barrier.dispose();
  await client.dispose();
});

test('by run id, a replay reports a run deleted while the subscriber was away as DELETED, once', async () => {
  const gone = await newRun('by-id', 'deleted-while-away');
  const kept = await newRun('by-id', 'kept');
  await deleteRun(gone.id);
  const client = ws(ADMIN);
  const sub = collect<any>(
    client,
    `subscription($ids: [ID!], $since: [RunSeqInput!]) { runChanged(runIds: $ids, since: $since) { ${EVENT} } }`,
    {
      ids: [gone.id, kept.id],
      since: [
        { runId: gone.id, seq: gone.seq },
        { runId: kept.id, seq: kept.seq },
      ],
    },
  );
  await sub.until((e) => e.length >= 1);
  // Barrier: a live change to the kept run; everything the replay sent comes before it.
  await ok(ADMIN, `mutation($id: ID!) { startRun(id: $id) { id } }`, { id: kept.id });
  const got = (await sub.until((e) => e.some((x) => x.runChanged.runId === kept.id))).map((e) => e.runChanged);
  assert.deepEqual(got, [
    // The row is gone, and with it the run's experiment: null, for any caller (see the limited key below).
    { seq: gone.seq + 1, kind: 'DELETED', runId: gone.id, experimentId: null, run: null },
    {
      seq: got[1].seq,
      kind: 'UPDATED',
      runId: kept.id,
      experimentId: kept.experimentId,
      run: { id: kept.id, status: 'RUNNING' },
    },
  ]);
  assert.deepEqual(sub.errors, []);
  sub.dispose();
  await client.dispose();
});

test('a limited key: its own deleted run, another experiment deleted run and an unknown id get the same DELETED', async () => {
  const own = await newRun('limited-own', 'own');
  const foreign = await newRun('limited-foreign', 'foreign');
  const foreignAlive = await newRun('limited-foreign', 'foreign-alive');
  await deleteRun(own.id);
  await deleteRun(foreign.id);
  const key = await createKey(['READ'], [own.experimentId]);
  const client = ws(key);
  const ids = [own.id, foreign.id, NEVER_A_RUN];
  const sub = collect<any>(
    client,
    `subscription($ids: [ID!], $since: [RunSeqInput!]) { runChanged(runIds: $ids, since: $since) { ${EVENT} } }`,
    { ids, since: ids.map((runId) => ({ runId, seq: 7 })) },
  );
  const got = (await sub.until((e) => e.length >= 3)).map((e) => e.runChanged);
  // Nothing tells them apart but the id itself: same kind, same seq, no experiment, no run.
  assert.deepEqual(
    got.map(({ runId, ...rest }) => rest),
    ids.map(() => ({ seq: 8, kind: 'DELETED', experimentId: null, run: null })),
  );
  assert.deepEqual(got.map((e) => e.runId).sort(), [...ids].sort());
  assert.ok(!JSON.stringify(got).includes(foreign.experimentId), 'nothing of the other experiment');
  assert.deepEqual(sub.errors, []);
  sub.dispose();
  // An existing run of another experiment is refused before anything is replayed (as before).
  const refused = collect<any>(
    client,
    `subscription($ids: [ID!], $since: [RunSeqInput!]) { runChanged(runIds: $ids, since: $since) { ${EVENT} } }`,
    { ids: [foreignAlive.id], since: [{ runId: foreignAlive.id, seq: 0 }] },
  );
  await waitUntil(() => refused.errors.length > 0);
  assert.equal(
    (refused.errors[0] as any)?.[0]?.extensions?.code ?? (refused.errors[0] as any)?.extensions?.code,
    'FORBIDDEN',
  );
  assert.deepEqual(refused.events, []);
  refused.dispose();
  await client.dispose();
});

async function waitUntil(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
