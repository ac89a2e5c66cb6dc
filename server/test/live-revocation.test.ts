import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';
import WebSocket from 'ws';

/**
 * Revoking a key, deleting it or narrowing it ends its WebSocket sessions within 1 s, on every server sharing the
 * database: a trigger on api_keys NOTIFYs inside the changing transaction and each server LISTENs (no polling; the
 * bound is generous for a loaded machine, the delivery itself takes milliseconds). A socket that was closed can
 * start nothing more, and its key's HTTP calls are refused at once (the key cache is cleared by the same notice).
 */
const ADMIN = 'admin-key-for-revocation-tests-0123456789';
const BOUND_MS = 1000;
let s: TestServer;
let other: TestServer;
let db: pg.Client;
let runId: string;
let experimentName: string;

async function call(key: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

async function admin(query: string, variables?: Record<string, unknown>) {
  const r = await call(ADMIN, query, variables);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data;
}

async function newKey(experiments?: string[]) {
  const d = await admin(
    'mutation($e: [String!]) { createApiKey(input: { name: "live", scopes: [READ], experiments: $e }) { key apiKey { id } } }',
    { e: experiments },
  );
  return { key: d.createApiKey.key as string, id: d.createApiKey.apiKey.id as string };
}

async function logPoint(step: number) {
  await admin(
    `mutation($id: ID!, $s: Int!) { logMetrics(runId: $id, points: [{ key: "loss", step: $s, value: 1 }]) { accepted } }`,
    {
      id: runId,
      s: step,
    },
  );
}

/** A raw graphql-transport-ws socket with one metricsLogged subscription; records events and the close. */
async function liveSocket(url: string, key: string) {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const events: any[] = [];
  const errors: any[] = [];
  let closed: { code: number; at: number } | null = null;
  let closedResolve: () => void = () => {};
  const closedP = new Promise<void>((r) => (closedResolve = r));
  ws.on('close', (code) => {
    closed = { code, at: performance.now() };
    closedResolve();
  });
  const acked = new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'connection_ack') resolve();
      else if (m.type === 'next' && m.payload.errors) errors.push(...m.payload.errors);
      else if (m.type === 'next') events.push(m.payload);
      else if (m.type === 'error') errors.push(...m.payload);
    });
    ws.on('error', reject);
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } }));
  await acked;
  const subscribe = (id: string) =>
    ws.send(
      JSON.stringify({
        id,
        type: 'subscribe',
        payload: {
          query: 'subscription($r: [ID!]!, $s: [RunSeqInput!]) { metricsLogged(runIds: $r, since: $s) { seq } }',
          variables: { r: [runId], s: [{ runId, seq: 0 }] },
        },
      }),
    );
  subscribe('1');
  return {
    ws,
    events,
    errors,
    subscribe,
    get closed() {
      return closed;
    },
    /** Milliseconds from `from` until the close, or a failure when it does not come within 5 s. */
    async closedWithin(from: number): Promise<{ ms: number; code: number }> {
      await Promise.race([closedP, new Promise((r) => setTimeout(r, 5000))]);
      assert.ok(closed, 'the socket was not closed');
      return { ms: closed.at - from, code: closed.code };
    },
  };
}

async function until(pred: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.ok(pred(), 'condition not reached in time');
}

before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
  other = await startTestServer({ apiKey: ADMIN, database: s.database });
  db = new pg.Client({ connectionString: s.database.url });
  await db.connect();
  experimentName = `live-${randomUUID().slice(0, 6)}`;
  const d = await admin('mutation($e: String!) { createRun(input: { experimentName: $e }) { id } }', {
    e: experimentName,
  });
  runId = d.createRun.id;
  await admin('mutation($id: ID!) { startRun(id: $id) { id } }', { id: runId });
  await logPoint(0);
});
after(async () => {
  await db.end();
  await other.close();
  await s.close();
});

test('revokeApiKey ends the key’s open subscription within 1 s; nothing more streams or starts', async () => {
  const { key, id } = await newKey();
  const live = await liveSocket(s.wsUrl, key);
  await until(() => live.events.length >= 1);
  const t0 = performance.now();
  await admin('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id });
  const closed = await live.closedWithin(t0);
  console.log(`revokeApiKey -> socket closed in ${closed.ms.toFixed(1)} ms (code ${closed.code})`);
  assert.equal(closed.code, 4401);
  assert.ok(closed.ms <= BOUND_MS, `closed ${closed.ms} ms after the revocation`);
  const seen = live.events.length;
  await logPoint(1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(live.events.length, seen, 'no event after the revocation');
  assert.notEqual(live.ws.readyState, WebSocket.OPEN, 'no new subscription can start on that socket');
  assert.equal((await call(key, '{ viewer { keyName } experiments { id } }')).status, 401);
});

test('a revocation written by another process (SQL, npm run keys) reaches both servers within 1 s', async () => {
  const { key, id } = await newKey();
  const here = await liveSocket(s.wsUrl, key);
  const there = await liveSocket(other.wsUrl, key);
  await until(() => here.events.length >= 1 && there.events.length >= 1);
  // Used over HTTP first, so both servers hold the key in their cache.
  assert.equal((await call(key, '{ experiments { id } }')).status, 200);
  const t0 = performance.now();
  await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
  const [a, b] = await Promise.all([here.closedWithin(t0), there.closedWithin(t0)]);
  console.log(`SQL revoke -> sockets closed in ${a.ms.toFixed(1)} / ${b.ms.toFixed(1)} ms`);
  assert.ok(a.ms <= BOUND_MS && b.ms <= BOUND_MS, `${a.ms} / ${b.ms} ms`);
  assert.equal((await call(key, '{ experiments { id } }')).status, 401, 'the cached key is refused at once');
});

test('deleting a key ends its sessions; narrowing it closes them and the reconnect sees the new limits', async () => {
  const gone = await newKey();
  const a = await liveSocket(s.wsUrl, gone.key);
  await until(() => a.events.length >= 1);
  let t0 = performance.now();
  await db.query('DELETE FROM api_keys WHERE id = $1', [gone.id]);
  const deleted = await a.closedWithin(t0);
  assert.equal(deleted.code, 4401);
  assert.ok(deleted.ms <= BOUND_MS, `${deleted.ms} ms`);

  const narrowed = await newKey([experimentName]);
  const b = await liveSocket(s.wsUrl, narrowed.key);
  await until(() => b.events.length >= 1);
  // Recording use is no change of access: the socket stays.
  await db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [narrowed.id]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.closed, null, 'last_used_at alone closes nothing');
  t0 = performance.now();
  await db.query(`UPDATE api_keys SET experiments = '{elsewhere}' WHERE id = $1`, [narrowed.id]);
  const changed = await b.closedWithin(t0);
  assert.equal(changed.code, 4403);
  assert.ok(changed.ms <= BOUND_MS, `${changed.ms} ms`);
  // Reconnecting, the key now is limited to "elsewhere": the same subscription is refused.
  const again = await liveSocket(s.wsUrl, narrowed.key);
  await until(() => again.errors.length > 0 || again.events.length > 0);
  assert.equal(again.events.length, 0);
  assert.equal(again.errors[0].extensions.code, 'FORBIDDEN');
  again.ws.close();
});
