// Issue 20: the wrong-key throttle holds across servers. Two servers on one database (as behind a balancer) count
// an address's wrong keys together (auth_failures), so it gets AUTH_FAILURES_PER_MINUTE (+1 per other server, the
// failure that tells it) checked a window, not that many per server; a correct key writes nothing there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';

const ADMIN = `throttle-admin-${'0'.repeat(24)}`;
const MAX = 4;
let a: TestServer;
let b: TestServer;
let db: pg.Pool;

before(async () => {
  const bounds = { AUTH_FAILURES_PER_MINUTE: MAX };
  a = await startTestServer({ apiKey: ADMIN, bounds });
  b = await startTestServer({ apiKey: ADMIN, bounds, database: a.database });
  db = new pg.Pool({ connectionString: a.database.url, max: 1 });
});
after(async () => {
  await db.end();
  await b.close();
  await a.close();
});

/** One request from `addr` (X-Forwarded-For, believed from loopback) with `key`; its status and Retry-After. */
async function from(s: TestServer, addr: string, key: string) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': addr },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

const wrong = (i: number) => `rb_0123456789ab_wrong-secret-${i}`;

test('two servers on one database let an address try the limit between them, not the limit each', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 4 * MAX; i++) statuses.push((await from(i % 2 ? b : a, '10.20.0.1', wrong(i))).status);
  const checked = statuses.filter((s) => s === 401).length;
  // Each server alone would check MAX (8 here); shared: MAX, plus one for the server that learns from its failure.
  assert.ok(checked <= MAX + 1, `wrong keys checked: ${checked} (${statuses.join(' ')})`);
  assert.deepEqual(statuses.slice(MAX + 1), Array(3 * MAX - 1).fill(429), statuses.join(' '));
  const limited = await from(b, '10.20.0.1', wrong(99));
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 60, `Retry-After ${limited.retryAfter}`);
  // Another address is not throttled on either server.
  assert.equal((await from(a, '10.20.0.2', ADMIN)).status, 200);
  assert.equal((await from(b, '10.20.0.2', wrong(0))).status, 401);
});

test('a correct key writes nothing to the shared table; ended windows are cleared by later failures', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await from(i % 2 ? b : a, '10.30.0.1', ADMIN)).status, 200);
  const rows = async (addr: string) =>
    (await db.query('SELECT failures FROM auth_failures WHERE address = $1', [addr])).rows;
  assert.deepEqual(await rows('10.30.0.1'), []);
  // A window that ended long ago goes with the next failure of any other address; a new window starts at 1.
  await db.query(`INSERT INTO auth_failures VALUES ('10.30.0.9', 50, now() - interval '1 hour')`);
  assert.equal((await from(a, '10.30.0.2', wrong(1))).status, 401);
  assert.deepEqual(await rows('10.30.0.9'), []);
  assert.deepEqual(await rows('10.30.0.2'), [{ failures: 1 }]);
});
