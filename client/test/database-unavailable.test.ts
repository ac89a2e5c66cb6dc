// DATABASE_UNAVAILABLE (HTTP 503 + Retry-After) is retried by @runboard/client: the server guarantees
// nothing was committed, so even createRun is repeated. Against a real server over its own embedded
// PostgreSQL, stopped and started again (the shared one is never restarted).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GraphQLClient, TransportError } from '@runboard/client';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '@runboard/server/db/embedded';
import { migrate } from '@runboard/server/db/migrate';
import { type RunningServer, startServer } from '@runboard/server/http/server';
import { serverOptions } from '@runboard/test-kit/options';
import { waitFor } from '@runboard/test-kit/wait';

const dir = mkdtempSync(path.join(tmpdir(), 'runboard-client-db-'));
chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own user and must reach its data directory
let port = 0;
let db: EmbeddedDatabase;
let server: RunningServer;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
}

before(async () => {
  port = await freePort();
  db = await startEmbeddedPostgres(path.join(dir, 'pg'), port, () => {});
  await migrate(db.url);
  server = await startServer({ ...serverOptions(db.url, 'client-db'), DATA_DIR: path.join(dir, 'data') });
});

after(async () => {
  await server?.stop();
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const CREATE = `mutation($e: String!) { createRun(input: { experimentName: $e }) { id } }`;

test('calls made while PostgreSQL is down are retried and land once it is back, each exactly once', async () => {
  const warm = new GraphQLClient({ url: server.url });
  await warm.request(CREATE, { e: 'before-outage' });
  await db.stop();
  const notices: string[] = [];
  const client = new GraphQLClient({ url: server.url, log: (m) => notices.push(m) });
  try {
    const created = client.request<{ createRun: { id: string } }>(CREATE, { e: 'during-outage' });
    await waitFor(() => notices.length > 0, { what: 'a DATABASE_UNAVAILABLE answer' });
    assert.match(notices[0]!, /HTTP 503/);
    db = await startEmbeddedPostgres(path.join(dir, 'pg'), port, () => {});
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
  await db.stop();
  const client = new GraphQLClient({ url: server.url, retry: false });
  try {
    const err = await client.request(CREATE, { e: 'no-retry' }).catch((e: unknown) => e);
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'DATABASE_UNAVAILABLE');
  } finally {
    client.close();
    db = await startEmbeddedPostgres(path.join(dir, 'pg'), port, () => {});
  }
});
