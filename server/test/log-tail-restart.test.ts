// The live log tail (runLogs) rides out a PostgreSQL restart like the metric stream does: a read that fails
// because the database went away pauses the tail, and it resumes by replaying from the last line it delivered.
// Before, `.catch((err) => queue.fail(err))` in launch/logs.ts ended the subscription on the first failed read.
// Own embedded PostgreSQL on a free port: the shared one is never restarted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postRaw } from '@runboard/test-kit/gql';
import { type OwnPostgresStack, ownPostgresPerFile } from '@runboard/test-kit/own-postgres';
import { waitFor } from '@runboard/test-kit/wait';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import type { RunningServer } from '../src/index.ts';
import { CHANNEL } from '../src/testing.ts';

let stack: OwnPostgresStack;
let server: RunningServer;

ownPostgresPerFile('logtail', { heartbeatTimeoutSeconds: 600, crashSweepIntervalMs: 1000 }, (started) => {
  stack = started;
  server = started.server;
});

const post = async (query: string, variables: Record<string, unknown> = {}) =>
  (await postRaw(server.url, query, variables)).body;

const APPEND = `mutation($run: ID!, $lines: [LogLineInput!]!) { appendRunLogs(runId: $run, lines: $lines) }`;

/** Appends one line as an agent does: retried until acknowledged (the answer is the line's number). */
async function appendLine(runId: string, text: string): Promise<number> {
  for (;;) {
    const answer = await post(APPEND, { run: runId, lines: [{ stream: 'STDOUT', text }] }).catch(() => null);
    if (answer?.data) return answer.data.appendRunLogs as number;
    assert.ok(!answer || answer.errors?.[0]?.extensions.code === 'DATABASE_UNAVAILABLE', JSON.stringify(answer));
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the log tail survives a PostgreSQL restart in the middle of a read, with no line missing or repeated', async () => {
  const created = await post(`mutation { createRun(input: { experimentName: "log-tail-restart" }) { id } }`);
  const runId = created.data.createRun.id as string;
  const delivered: number[] = [];
  let ended: string | null = null;
  const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const stopTail = ws.subscribe<any>(
    {
      query: `subscription($id: ID!) { runLogs(runId: $id, afterLine: 0) { lines { line text } } }`,
      variables: { id: runId },
    },
    {
      next: (v) => {
        if (v.errors) ended = `errors: ${JSON.stringify(v.errors)}`;
        for (const l of v.data?.runLogs.lines ?? []) delivered.push(l.line);
      },
      error: (e) => {
        ended = `error: ${e instanceof Error ? e.message : JSON.stringify(e)}`;
      },
      complete: () => {
        ended ??= 'completed';
      },
    },
  );
  let last = 0;
  for (let i = 0; i < 5; i++) last = await appendLine(runId, `before ${i}`);
  await waitFor(() => delivered.length === last, { what: 'the first lines delivered' });

  // Make the tail's next read wait on a lock, then restart PostgreSQL under it: the read fails mid-flight.
  const locker = new pg.Client({ connectionString: stack.databaseUrl });
  locker.on('error', () => {}); // the restart ends this session
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE run_logs IN ACCESS EXCLUSIVE MODE');
  // A notice as appendRunLogs would send it makes the tail read (NOTIFY is sent on commit: not from the locker).
  const watcher = new pg.Client({ connectionString: stack.databaseUrl });
  await watcher.connect();
  await watcher.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ type: 'logs', runId, line: last + 1 })]);
  await waitFor(
    async () =>
      (
        await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM run_logs%' AND pid <> pg_backend_pid()`,
        )
      ).rowCount,
    { what: 'the tail read waiting on the lock' },
  );
  await watcher.end();
  await stack.stopDatabase();
  await locker.end().catch(() => {});
  await stack.startDatabase();

  for (let i = 0; i < 5; i++) last = await appendLine(runId, `after ${i}`);
  assert.equal(last, 10, 'every append was acknowledged once');
  await waitFor(() => delivered.length >= last || ended, { what: 'the lines after the restart', timeout: 60_000 });
  assert.equal(ended, null, 'the tail is still open');
  assert.deepEqual(
    delivered,
    Array.from({ length: last }, (_, i) => i + 1),
    'every line once, in order',
  );
  stopTail();
  await ws.dispose();
});
