// Issue 20, item 4 and the key half of 6: the work a request can cause is bounded before and after the key check.
// Bodies are capped per caller (anonymous: a few KB, refused on the declared length without reading it), a body
// or headers trickled to hold a connection are cut within their deadline, WebSocket messages are capped, every
// SQL statement has a timeout, wrong keys from one address are answered 429 + Retry-After, and the admin key
// must be 32 characters. Bounds are set small here (ms, a few failures) so each case takes well under a second.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, test } from 'node:test';
import { EnvError, loadEnv } from '@runboard/server';
import { apiErrorOf, connectDatabase } from '@runboard/server/testing';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { SessionProxy } from '@runboard/web/session-proxy';
import WebSocket from 'ws';

const ADMIN = 'admin-key-for-request-bounds-tests-0123456789';
let s: TestServer;
let origin: string;

before(async () => {
  s = await startTestServer({
    apiKey: ADMIN,
    bounds: {
      AUTH_FAILURES_PER_MINUTE: 3,
      BODY_TIMEOUT_MS: 300,
      HEADERS_TIMEOUT_MS: 300,
      WS_MAX_PAYLOAD_BYTES: 64 * 1024,
      WS_CONNECTIONS_PER_ADDRESS: 3,
      WS_CONNECTIONS_PER_KEY: 2,
      ARTIFACT_UPLOADS_PER_CALLER: 2,
    },
  });
  origin = new URL(s.url).origin;
});
after(() => s.close());

/** Sends raw bytes on a fresh connection; resolves with what came back once the server closes it (or after ms). */
function raw(head: string, body: string, ms = 3000): Promise<{ text: string; closed: boolean; after: number }> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = connect(Number(port), hostname, () => sock.write(head + body));
    let text = '';
    sock.on('data', (d) => {
      text += d.toString();
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false, after: performance.now() - t0 });
    }, ms);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, after: performance.now() - t0 });
    });
    sock.on('error', () => {});
  });
}

const headers = (len: number, key?: string, extra = '') =>
  `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n` +
  `${key ? `Authorization: Bearer ${key}\r\n` : ''}${extra}\r\n`;

test('an anonymous body is capped at a few KB, refused on its declared length before it is read', async () => {
  // The issue's 57 MB anonymous POST: only the headers are sent; the answer comes without the body.
  const declared = await raw(headers(57_000_000), '{"variables":{"x":[0,0,0');
  assert.match(declared.text, /^HTTP\/1.1 413/);
  assert.match(declared.text, /PAYLOAD_TOO_LARGE/);
  assert.ok(declared.closed, 'the connection is closed rather than drained');
  // 100 KB of variables: over the anonymous cap, well under a key's.
  const body = JSON.stringify({ query: '{ __typename }', variables: { x: new Array(50_000).fill(0) } });
  const anonymous = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(anonymous.status, 413);
  assert.equal(((await anonymous.json()) as any).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
  const keyed = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body,
  });
  assert.equal(keyed.status, 200);
});

test('a body or headers trickled to hold a connection are cut at their deadline', async () => {
  const body = await raw(headers(100, ADMIN), '{"query":');
  assert.match(body.text, /^HTTP\/1.1 408/);
  assert.match(body.text, /"code":"TIMEOUT"/);
  assert.ok(body.closed && body.after < 2500, `closed after ${body.after.toFixed(0)} ms`);
  const head = await raw('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n', '');
  assert.match(head.text, /^HTTP\/1.1 408/);
  assert.ok(head.closed && head.after < 2500, `headers cut after ${head.after.toFixed(0)} ms`);
});

test('wrong keys from one address are answered 429 + Retry-After, on every route; other addresses are not', async () => {
  const from = (addr: string, key: string) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': addr },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  for (let i = 0; i < 3; i++) assert.equal((await fetch(s.url, from('10.9.0.1', `rb_wrong${i}`))).status, 401);
  const limited = await fetch(s.url, from('10.9.0.1', 'rb_wrong-again'));
  assert.equal(limited.status, 429);
  const wait = Number(limited.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  assert.equal(((await limited.json()) as any).errors[0].extensions.code, 'RATE_LIMITED');
  // Even the right key is not checked from that address until the window ends: guessing stays bounded.
  assert.equal((await fetch(s.url, from('10.9.0.1', ADMIN))).status, 429);
  const mlflow = await fetch(`${origin}/api/2.0/mlflow/experiments/search`, {
    ...from('10.9.0.1', ADMIN),
    body: '{}',
  });
  assert.equal(mlflow.status, 429);
  assert.equal(((await mlflow.json()) as any).error_code, 'REQUEST_LIMIT_EXCEEDED');
  const upgrade = await new Promise<number>((resolve) => {
    const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws', { headers: { 'x-forwarded-for': '10.9.0.1' } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
  assert.equal(upgrade, 429);
  // Another client is unaffected.
  assert.equal((await fetch(s.url, from('10.9.0.2', ADMIN))).status, 200);
});

test('a WebSocket message over WS_MAX_PAYLOAD_BYTES closes the socket (1009)', async () => {
  const code = await new Promise<number>((resolve) => {
    const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws');
    ws.on('open', () => ws.send('x'.repeat(128 * 1024)));
    ws.on('close', (c) => resolve(c));
    ws.on('error', () => {});
  });
  assert.equal(code, 1009);
});

test('every statement of a request has a timeout, reported as TIMEOUT', async () => {
  const db = connectDatabase(s.database.url, 1, () => {}, { statementTimeoutMs: 100 });
  try {
    const err = await db.pool.query('SELECT pg_sleep(5)').catch((e) => e);
    assert.equal(apiErrorOf(err)?.extensions.code, 'TIMEOUT', String(err));
  } finally {
    await db.close();
  }
});

test('the admin key must be at least 32 characters, said at startup', () => {
  assert.throws(
    () => loadEnv({ RUNBOARD_ADMIN_KEY: 'x'.repeat(31) }),
    (e: Error) => {
      assert.ok(e instanceof EnvError);
      assert.match(e.message, /RUNBOARD_ADMIN_KEY: must be at least 32 characters/);
      return true;
    },
  );
  assert.equal(loadEnv({ RUNBOARD_ADMIN_KEY: 'x'.repeat(32) }).RUNBOARD_ADMIN_KEY, 'x'.repeat(32));
});

test("dashboard sign-in is throttled by the browser's address, which its server passes on", async () => {
  const proxy = new SessionProxy({ apiUrl: s.url, host: '127.0.0.1' });
  const web = createServer((req, res) => {
    proxy.handle(req, res).then((ours) => ours || res.writeHead(404).end());
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  // The "browser" signs in from 127.0.0.2 (loopback too), so its address differs from the dashboard server's.
  const signIn = (key: string) =>
    new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
      const port = (web.address() as AddressInfo).port;
      const req = request(
        { host: '127.0.0.1', port, path: '/api/session', method: 'POST', localAddress: '127.0.0.2' },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined });
        },
      );
      req.on('error', reject);
      req.setHeader('content-type', 'application/json');
      req.end(JSON.stringify({ key }));
    });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await signIn(`rb_guess${i}`)).status, 401);
    const limited = await signIn('rb_guess-again');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.retryAfter) >= 1, `Retry-After ${limited.retryAfter}`);
    // The API counted the browser's address, not the dashboard server's: other users sign in and call as usual.
    const call = (addr?: string) =>
      fetch(s.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${ADMIN}`,
          ...(addr ? { 'x-forwarded-for': addr } : {}),
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    assert.equal((await call()).status, 200);
    assert.equal((await call('127.0.0.2')).status, 429);
  } finally {
    await new Promise((r) => web.close(r));
  }
});

/** POSTs a document with the admin key; the status and the first error's code. */
async function document(query: string) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query }),
  });
  const json = (await res.json()) as { errors?: { message: string; extensions: Record<string, unknown> }[] };
  return { status: res.status, error: json.errors?.[0] };
}

test("a document's aliases and tokens are counted before it is parsed", async () => {
  // 600 aliases and no closing brace: refused for its aliases, so nothing was parsed (a parse would fail first).
  const unclosed = `{ ${Array.from({ length: 600 }, (_, i) => `a${i}: experiments { id }`).join(' ')}`;
  const aliases = await document(unclosed);
  assert.equal(aliases.status, 400);
  assert.equal(aliases.error?.extensions.code, 'TOO_MANY_ALIASES', JSON.stringify(aliases.error));
  // 20,000 `__typename`s: no alias, no cost (introspection fields are free), ~220 KB: refused by its token count.
  const tokens = await document(`{ ${'__typename '.repeat(20_000)}}`);
  assert.equal(tokens.status, 400);
  assert.equal(tokens.error?.extensions.code, 'QUERY_TOO_COMPLEX', JSON.stringify(tokens.error));
  assert.equal(tokens.error?.extensions.maxTokens, 10_000);
  assert.equal((await document(`{ ${'__typename '.repeat(100)}}`)).status, 200);
});

/** Opens a graphql-ws socket from `addr` (X-Forwarded-For, believed from loopback), sending connection_init. */
function socket(addr: string, key: string) {
  const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws', { headers: { 'x-forwarded-for': addr } });
  const outcome = new Promise<string>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } })));
    ws.on('message', (m) => JSON.parse(String(m)).type === 'connection_ack' && resolve('ack'));
    ws.on('close', (code) => resolve(`close ${code}`));
    ws.on('error', () => {});
  });
  return { ws, outcome };
}

const closed = (ws: WebSocket) => new Promise((r) => (ws.readyState === ws.CLOSED ? r(null) : ws.once('close', r)));

test('WebSockets are capped per client address (429 on upgrade) and per key (closed with 4429)', async () => {
  const open = [socket('10.7.0.1', ADMIN), socket('10.7.0.1', ADMIN), socket('10.7.0.1', ADMIN)];
  assert.deepEqual(await Promise.all(open.map((o) => o.outcome)), ['ack', 'ack', 'ack']);
  assert.equal(await socket('10.7.0.1', ADMIN).outcome, 'HTTP 429');
  assert.equal(await socket('10.7.0.2', ADMIN).outcome, 'ack', 'another address is not affected');
  open[0]!.ws.close();
  await closed(open[0]!.ws);
  await new Promise((r) => setTimeout(r, 50));
  const again = socket('10.7.0.1', ADMIN);
  assert.equal(await again.outcome, 'ack', 'a closed socket frees its slot');
  // A stored key: two sockets (from different addresses), the third is closed with 4429.
  const { createApiKey } = await s.gql(`mutation { createApiKey(input: { name: "ws-cap", scopes: [READ] }) { key } }`);
  const key = createApiKey.key as string;
  const keyed = [socket('10.7.1.1', key), socket('10.7.1.2', key)];
  assert.deepEqual(await Promise.all(keyed.map((o) => o.outcome)), ['ack', 'ack']);
  assert.equal(await socket('10.7.1.3', key).outcome, 'close 4429');
  keyed[0]!.ws.close();
  await closed(keyed[0]!.ws);
  await new Promise((r) => setTimeout(r, 50));
  const third = socket('10.7.1.3', key);
  assert.equal(await third.outcome, 'ack');
  for (const o of [...open, again, third, ...keyed]) o.ws.close();
});

test('artifact uploads in flight are capped per caller: 429 RATE_LIMITED past it', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "uploads" }) { id } }`);
  const { hostname, port } = new URL(s.url);
  /** An upload from `addr` that sends part of its body and waits; `finish()` sends the rest. */
  const put = (addr: string, name: string) => {
    let finish = () => {};
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          path: `/artifacts/${createRun.id}/${name}`,
          method: 'PUT',
          headers: { authorization: `Bearer ${ADMIN}`, 'x-forwarded-for': addr, 'content-length': '8' },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write('1234');
      finish = () => req.end('5678');
    });
    return { answer, finish: () => finish() };
  };
  const a = put('10.6.0.1', 'a.bin');
  const b = put('10.6.0.1', 'b.bin');
  await new Promise((r) => setTimeout(r, 200)); // both are streaming
  // Answered at once, without its body; were it let through, it would wait for the rest (status 0 here).
  const third = put('10.6.0.1', 'c.bin');
  const c = await Promise.race([
    third.answer,
    new Promise<{ status: number; body: any }>((r) => setTimeout(() => r({ status: 0, body: null }), 2000)),
  ]);
  third.finish();
  assert.equal(c.status, 429);
  assert.equal(c.body.error.code, 'RATE_LIMITED');
  const other = put('10.6.0.2', 'd.bin');
  other.finish();
  assert.equal((await other.answer).status, 201, 'another caller is not affected');
  a.finish();
  assert.equal((await a.answer).status, 201);
  await new Promise((r) => setTimeout(r, 50));
  const e = put('10.6.0.1', 'e.bin');
  e.finish();
  assert.equal((await e.answer).status, 201, 'a finished upload frees its slot');
  b.finish();
  assert.equal((await b.answer).status, 201);
});
