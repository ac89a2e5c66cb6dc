import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverPerFile, type TestServer } from '@runboard/test-kit/server';
import type pg from 'pg';
import { RunLive } from '../src/modules/run/live.ts';
import type { PgListener } from '../src/pubsub/pg-listener.ts';
import type { RunNotice } from '../src/pubsub/topics.ts';

/**
 * A NOTIFY committed before a subscription's replay can reach the server after the subscription registered (a
 * descheduled LISTEN backend delivers it late). A listener the test drives hands such notices over on purpose.
 */
let s: TestServer;
let db: pg.Pool;
serverPerFile((server, pool) => {
  s = server;
  db = pool;
});

function drivenListener() {
  const handlers: ((n: RunNotice) => void)[] = [];
  const listener = {
    subscribe: (_topic: string, h: (n: RunNotice) => void) => {
      handlers.push(h);
      return () => {};
    },
    onResync: () => () => {},
  } as unknown as PgListener;
  return { listener, deliver: (n: RunNotice) => handlers.forEach((h) => h(n)) };
}

async function newRun(name: string) {
  const { createRun } = await s.gql(
    `mutation($n: String) { createRun(input: { experimentName: "late", name: $n }) { id seq experiment { id } } }`,
    { n: name },
  );
  return { id: createRun.id as string, seq: createRun.seq as number, experimentId: createRun.experiment.id as string };
}

test('a late notice of a change the subscriber holds, or of a run it was told is deleted, is not sent again', async () => {
  const quiet = await newRun('quiet');
  const gone = await newRun('gone');
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: gone.id });
  await s.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: gone.id });
  const { listener, deliver } = drivenListener();
  const stream = new RunLive(db, listener).runChanged(
    { experimentId: quiet.experimentId },
    {
      since: [
        { runId: quiet.id, seq: quiet.seq },
        { runId: gone.id, seq: gone.seq },
      ],
      listedOnly: true,
    },
  );
  const replayed = (await stream.next()).value;
  assert.deepEqual([replayed.runId, replayed.kind, replayed.seq], [gone.id, 'DELETED', gone.seq + 1]);
  // The notices of what was committed before the replay, arriving only now.
  const notice = (runId: string, seq: number, kind: RunNotice['kind']): RunNotice => ({
    type: 'run',
    runId,
    experimentId: quiet.experimentId,
    seq,
    kind,
  });
  deliver(notice(quiet.id, quiet.seq, 'CREATED'));
  deliver(notice(gone.id, gone.seq + 1, 'UPDATED'));
  deliver(notice(gone.id, gone.seq + 2, 'DELETED'));
  // Barrier: a real change after them; the stream handles notices in order, so it comes first if nothing else does.
  const { updateRun } = await s.gql(`mutation($id: ID!) { updateRun(id: $id, input: { tags: ["x"] }) { seq } }`, {
    id: quiet.id,
  });
  deliver(notice(quiet.id, updateRun.seq, 'UPDATED'));
  const next = (await stream.next()).value;
  assert.deepEqual([next.runId, next.kind, next.seq], [quiet.id, 'UPDATED', updateRun.seq]);
  await stream.return?.();
});
