// DATABASE_UNAVAILABLE (HTTP 503 + Retry-After) is retried by @runboard/client: the server guarantees
// nothing was committed, so even createRun is repeated. Against a real server over its own embedded
// PostgreSQL, stopped and started again (the shared one is never restarted).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GraphQLClient, TransportError } from '@runboard/client';
import type { RunningServer } from '@runboard/server';
import { type OwnPostgresStack, startOwnPostgresStack } from '@runboard/test-kit/own-postgres';
import { waitFor } from '@runboard/test-kit/wait';

let stack: OwnPostgresStack;
let server: RunningServer;

before(async () => {
  stack = await startOwnPostgresStack('client-db');
  server = stack.server;
});

after(() => stack?.close());

const CREATE = `mutation($e: String!) { createRun(input: { experimentName: $e }) { id } }`;

test('calls made while PostgreSQL is down are retried and land once it is back, each exactly once', async () => {
  const warm = new GraphQLClient({ url: server.url });
  await warm.request(CREATE, { e: 'before-outage' });
  await stack.stopDatabase();
  const notices: string[] = [];
  const client = new GraphQLClient({ url: server.url, log: (m) => notices.push(m) });
  try {
    const created = client.request<{ createRun: { id: string } }>(CREATE, { e: 'during-outage' });
    await waitFor(() => notices.length > 0, { what: 'a DATABASE_UNAVAILABLE answer' });
    assert.match(notices[0]!, /HTTP 503/);
    await stack.startDatabase();
    const { createRun } = await created;
    const { runs } = await warm.request<{ runs: { nodes: { id: string }[] } }>(
      `{ runs(filter: { experimentName: "during-outage" }) { nodes { id } } }`,
    );
    assert.deepEqual(
      runs.nodes.map((r) => r.id),
      [createRun.id],
    );
  } finally {
    client.close();
    warm.close();
  }
});

test('with retries off the same outage is a TransportError carrying DATABASE_UNAVAILABLE and the 503', async () => {
  await stack.stopDatabase();
  const client = new GraphQLClient({ url: server.url, retry: false });
  try {
    const err = await client.request(CREATE, { e: 'no-retry' }).catch((e: unknown) => e);
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'DATABASE_UNAVAILABLE');
  } finally {
    client.close();
    await stack.startDatabase();
  }
});
