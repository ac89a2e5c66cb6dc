import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase } from '@runboard/test-kit/db';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { undeclaredFields } from '../src/api/access.ts';
import { accessTable, buildBareSchema } from '../src/api/schema.ts';
import { startServer } from '../src/http/server.ts';

const ADMIN = 'admin-key-for-tests-0123456789';
let s: TestServer;
let db: pg.Client;

before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
  db = new pg.Client({ connectionString: s.database.url });
  await db.connect();
});
after(async () => {
  await db.end();
  await s.close();
});

async function call(key: string | undefined, query: string, variables?: Record<string, unknown>, headers = {}) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: any[] } };
}

const code = (r: { body: { errors?: any[] } }) => r.body.errors?.[0]?.extensions?.code;

async function createKey(scopes: string[], experiments?: string[], name = `k-${scopes.join('-')}`) {
  const r = await call(
    ADMIN,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name scopes createdAt lastUsedAt } } }`,
    { input: { name, scopes, experiments } },
  );
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data.createApiKey as { key: string; apiKey: { id: string; scopes: string[]; lastUsedAt: null } };
}

const CREATE_RUN = `mutation($name: String!) { createRun(input: { experimentName: $name }) { id } }`;

test('every Query, Mutation and Subscription field declares its scope', () => {
  assert.deepEqual(undeclaredFields(buildBareSchema(), accessTable), []);
});

test('keys are shown once and stored only as a sha256', async () => {
  const { key, apiKey } = await createKey(['READ']);
  assert.match(key, /^rb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(apiKey.scopes, ['READ']);
  assert.equal(apiKey.lastUsedAt, null);
  const { rows } = await db.query('SELECT * FROM api_keys WHERE id = $1', [apiKey.id]);
  const row = rows[0];
  // The secret is base64url and may itself hold '_': it is everything after `rb_<12 hex>_`.
  const secret = key.slice('rb_'.length + 12 + 1);
  assert.equal(secret.length, 43);
  assert.ok(!JSON.stringify(row).includes(secret), 'the secret part is not stored');
  const { createHash } = await import('node:crypto');
  assert.equal(row.hash, createHash('sha256').update(key).digest('hex'));
  const listed = await call(ADMIN, `{ apiKeys { id name prefix scopes } }`);
  assert.ok(!JSON.stringify(listed.body).includes(key), 'apiKeys never returns a key');
  assert.ok(listed.body.data.apiKeys.some((k: any) => k.id === apiKey.id));
  // The key works, and its use is recorded.
  assert.equal((await call(key, `{ experiments { id } }`)).status, 200);
  await waitFor(
    async () => (await db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [apiKey.id])).rows[0].last_used_at,
  );
});

test('no key, a wrong key and a revoked key are UNAUTHENTICATED; viewer answers without a key', async () => {
  const none = await call(undefined, `{ experiments { id } }`);
  assert.equal(none.status, 401);
  assert.equal(code(none), 'UNAUTHENTICATED');
  const intro = await call(undefined, `{ __schema { types { name } } }`);
  assert.equal(code(intro), 'UNAUTHENTICATED');
  const wrong = await call('rb_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `{ experiments { id } }`);
  assert.equal(wrong.status, 401);
  assert.equal(code(wrong), 'UNAUTHENTICATED');
  const viewer = await call(undefined, `{ viewer { authRequired authenticated scopes } }`);
  assert.deepEqual(viewer.body.data.viewer, { authRequired: true, authenticated: false, scopes: [] });

  const { key, apiKey } = await createKey(['READ', 'LOG']);
  assert.deepEqual((await call(key, `{ viewer { scopes keyName } }`)).body.data.viewer.scopes, ['READ', 'LOG']);
  const revoked = await call(ADMIN, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: apiKey.id });
  assert.ok(revoked.body.data.revokeApiKey.revokedAt);
  const after = await call(key, `{ experiments { id } }`);
  assert.equal(after.status, 401);
  assert.equal(code(after), 'UNAUTHENTICATED');
});

test('scope boundaries: READ cannot log, LOG cannot launch, AGENT can claim, ADMIN can create keys', async () => {
  const read = (await createKey(['READ'])).key;
  const log = (await createKey(['LOG'])).key;
  const agent = (await createKey(['AGENT'])).key;
  const launch = (await createKey(['LAUNCH'])).key;

  const denied = await call(read, CREATE_RUN, { name: 'scopes' });
  assert.equal(code(denied), 'FORBIDDEN');
  assert.equal(denied.body.errors![0].extensions.scope, 'LOG');
  const { rows } = await db.query('SELECT count(*)::int AS n FROM runs');
  assert.equal(rows[0].n, 0, 'nothing was written');

  const run = await call(log, CREATE_RUN, { name: 'scopes' });
  assert.equal(run.body.errors, undefined);
  const runId = run.body.data.createRun.id;
  const logged = await call(
    log,
    `mutation($id: ID!) { startRun(id: $id) { id } logMetrics(runId: $id, points: [{ key: "loss", step: 1, value: 0.5 }]) { accepted } }`,
    { id: runId },
  );
  assert.equal(logged.body.errors, undefined, JSON.stringify(logged.body.errors));
  assert.equal(code(await call(log, `{ experiments { id } }`)), 'FORBIDDEN', 'LOG alone cannot read');

  const launchQuery = `mutation { launchRun(input: { experimentName: "scopes", config: { train: "data/train", val: "data/val" } }) { id } }`;
  const noLaunch = await call(log, launchQuery);
  assert.equal(code(noLaunch), 'FORBIDDEN');
  assert.equal(noLaunch.body.errors![0].extensions.scope, 'LAUNCH');
  assert.equal(code(await call(read, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: runId })), 'FORBIDDEN');
  const launched = await call(launch, launchQuery);
  assert.notEqual(code(launched), 'FORBIDDEN');
  assert.notEqual(code(launched), 'UNAUTHENTICATED');

  const agentId = randomUUID();
  const register = `mutation { registerAgent(input: { id: "${agentId}", name: "a1", host: "h", concurrency: 1 }) { id } }`;
  assert.equal(code(await call(log, register)), 'FORBIDDEN');
  assert.equal((await call(agent, register)).body.errors, undefined);
  const claim = await call(agent, `mutation { claimRuns(agentId: "${agentId}", max: 1) { run { id } } }`);
  assert.equal(claim.body.errors, undefined, JSON.stringify(claim.body.errors));
  // AGENT includes LOG: an agent's trainers log with the agent's key.
  assert.equal((await call(agent, CREATE_RUN, { name: 'scopes' })).body.errors, undefined);

  const keyMutation = `mutation { createApiKey(input: { name: "x", scopes: [READ] }) { key } }`;
  for (const k of [read, log, agent, launch]) assert.equal(code(await call(k, keyMutation)), 'FORBIDDEN');
  assert.ok((await call(ADMIN, keyMutation)).body.data.createApiKey.key);
  assert.equal(code(await call(log, `mutation($id: ID!) { deleteRun(id: $id) }`, { id: runId })), 'FORBIDDEN');
  assert.equal(
    code(await call(ADMIN, `mutation { createApiKey(input: { name: "x", scopes: [] }) { key } }`)),
    'BAD_USER_INPUT',
  );
  const nul = await call(ADMIN, `mutation($n: String!) { createApiKey(input: { name: $n, scopes: [READ] }) { key } }`, {
    n: 'a\u0000b',
  });
  assert.equal(code(nul), 'BAD_USER_INPUT');
  assert.equal(code(await call(ADMIN, `mutation { revokeApiKey(id: "nope") { id } }`)), 'NOT_FOUND');
});

test('a key limited to experiments reads and writes only those', async () => {
  const mine = await call(ADMIN, `mutation { createExperiment(input: { name: "mine" }) { id } }`);
  const theirs = await call(ADMIN, `mutation { createExperiment(input: { name: "theirs" }) { id } }`);
  const theirsId = theirs.body.data.createExperiment.id;
  const theirRun = (await call(ADMIN, CREATE_RUN, { name: 'theirs' })).body.data.createRun.id;
  const { key } = await createKey(['READ', 'LOG'], ['mine']);

  const myRun = await call(key, CREATE_RUN, { name: 'mine' });
  assert.equal(myRun.body.errors, undefined);
  assert.equal(code(await call(key, CREATE_RUN, { name: 'theirs' })), 'FORBIDDEN');
  assert.equal(code(await call(key, CREATE_RUN, { name: 'new-one' })), 'FORBIDDEN');
  assert.equal(code(await call(key, `mutation($id: ID!) { startRun(id: $id) { id } }`, { id: theirRun })), 'FORBIDDEN');
  assert.equal(code(await call(key, `query($id: ID!) { run(id: $id) { id } }`, { id: theirRun })), 'FORBIDDEN');
  assert.equal(code(await call(key, `query($id: ID!) { experiment(id: $id) { id } }`, { id: theirsId })), 'FORBIDDEN');
  assert.equal(
    code(
      await call(key, `query($r: [ID!]!) { metricSeries(runIds: $r, keys: ["loss"]) { key } }`, {
        r: [myRun.body.data.createRun.id, theirRun],
      }),
    ),
    'FORBIDDEN',
  );
  assert.equal(code(await call(key, `{ runs { nodes { id } } }`)), 'FORBIDDEN', 'must name the experiment');
  const listed = await call(key, `{ runs(filter: { experimentName: "mine" }) { nodes { id } } experiments { name } }`);
  assert.equal(listed.body.errors, undefined);
  assert.deepEqual(listed.body.data.experiments, [{ name: 'mine' }]);
  assert.equal(listed.body.data.runs.nodes.length, 1);
  assert.equal(code(await call(key, `{ agents { id } }`)), 'FORBIDDEN');
  const live = await firstEvent(key, `subscription($e: ID!) { runChanged(experimentId: $e) { seq } }`, { e: theirsId });
  assert.equal(live.error?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.equal(mine.body.errors, undefined);
});

test('subscriptions: scopes are checked when they start; keys come from connectionParams', async () => {
  const log = (await createKey(['LOG'])).key;
  const read = (await createKey(['READ'])).key;
  const runId = (await call(ADMIN, CREATE_RUN, { name: 'live' })).body.data.createRun.id;
  const subscribe = (apiKey: string | undefined) =>
    firstEvent(
      apiKey,
      `subscription($r: [ID!]!) { runChanged(runIds: $r, since: [{ runId: "${runId}", seq: 0 }]) { run { id } } }`,
      { r: [runId] },
    );
  const noScope = await subscribe(log);
  assert.equal(noScope.error?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.equal(noScope.error?.[0]?.extensions?.scope, 'READ');
  const noKey = await subscribe(undefined);
  assert.equal((noKey.error as { code?: number })?.code, 4403);
  // With `since`, the run's current state is replayed first: the READ key's subscription delivers it.
  const ok = await subscribe(read);
  assert.equal(ok.error, undefined);
  assert.equal(ok.data.runChanged.run.id, runId);
});

/** The first thing a subscription yields: data, GraphQL errors, or the socket's close event. */
function firstEvent(apiKey: string | undefined, query: string, variables: Record<string, unknown>) {
  return new Promise<{ error?: any; data?: any }>((resolve) => {
    const client = createClient({
      url: s.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { apiKey },
    });
    const done = (r: { error?: any; data?: any }) => {
      void client.dispose();
      resolve(r);
    };
    client.subscribe(
      { query, variables },
      {
        next: (v) => done(v.errors ? { error: v.errors } : { data: v.data }),
        error: (e) => done({ error: e }),
        complete: () => done({}),
      },
    );
  });
}

function rawRequest(
  port: number,
  headers: Record<string, string>,
  method = 'POST',
  body = '{"query":"{ viewer { authRequired } }"}',
) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('CORS answers only allowed origins; the Host header is checked on loopback', async () => {
  const own = await rawRequest(s.port, { origin: 'http://localhost:3000', host: `127.0.0.1:${s.port}` });
  assert.equal(own.status, 200);
  assert.equal(own.headers['access-control-allow-origin'], 'http://localhost:3000');
  const evil = await rawRequest(s.port, { origin: 'https://evil.example', host: `127.0.0.1:${s.port}` });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers['access-control-allow-origin'], undefined);
  const preflight = await rawRequest(
    s.port,
    { origin: 'https://evil.example', host: `localhost:${s.port}` },
    'OPTIONS',
    '',
  );
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  const noOrigin = await rawRequest(s.port, { host: `[::1]:${s.port}` });
  assert.equal(noOrigin.status, 200);
  assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
  const rebound = await rawRequest(s.port, { host: `attacker.example:${s.port}` });
  assert.equal(rebound.status, 421);
  // A loopback name on another port is a tunnel or local proxy (ssh -L 8080:localhost:4000), not rebinding.
  const tunnel = await rawRequest(s.port, { host: `localhost:${s.port + 1}` });
  assert.equal(tunnel.status, 200);
  const ipRebound = await rawRequest(s.port, { host: `10.0.0.5:${s.port}` });
  assert.equal(ipRebound.status, 421);
});

test('a WebSocket from a disallowed Origin is refused at the upgrade, so no mutation can run over it', async () => {
  const before = (await db.query('SELECT count(*)::int AS n FROM experiments')).rows[0].n;
  const outcome = await new Promise<string>((resolve) => {
    const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
    ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: ADMIN } }));
      ws.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: 'mutation { createExperiment(input: { name: "via-evil" }) { id } }' },
        }),
      );
      setTimeout(() => resolve('open'), 500);
    });
    ws.on('error', () => {});
  });
  // 403 as for HTTP from that Origin (and as the README says); ws answers 401 to a plain refusal.
  assert.equal(outcome, 'http 403');
  assert.equal((await db.query('SELECT count(*)::int AS n FROM experiments')).rows[0].n, before);
  // The same from an allowed origin works.
  const client = createClient({
    url: s.wsUrl,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { headers: { origin: 'http://127.0.0.1:3000' } });
      }
    },
    retryAttempts: 0,
    connectionParams: { apiKey: ADMIN },
  });
  const result = await new Promise<any>((resolve, reject) =>
    client.subscribe(
      { query: 'mutation { createExperiment(input: { name: "via-ws" }) { id } }' },
      { next: resolve, error: reject, complete: () => {} },
    ),
  );
  await client.dispose();
  assert.ok(result.data.createExperiment.id);
});

test('artifact routes: upload needs LOG, download READ', async () => {
  const run = (await call(ADMIN, CREATE_RUN, { name: 'files' })).body.data.createRun.id;
  const read = (await createKey(['READ'])).key;
  const log = (await createKey(['LOG'])).key;
  const base = s.url.replace('/graphql', '');
  const put = (key: string | undefined) =>
    fetch(`${base}/artifacts/${run}/model.bin`, {
      method: 'PUT',
      body: 'weights',
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
  assert.equal((await put(undefined)).status, 401);
  const denied = await put(read);
  assert.equal(denied.status, 403);
  assert.equal(((await denied.json()) as any).errors[0].extensions.scope, 'LOG');
  const stored = await put(log);
  assert.equal(stored.status, 201);
  const { downloadPath } = (await stored.json()) as { downloadPath: string };
  assert.equal((await fetch(base + downloadPath, { headers: { authorization: `Bearer ${log}` } })).status, 403);
  const got = await fetch(base + downloadPath, { headers: { authorization: `Bearer ${read}` } });
  assert.equal(got.status, 200);
  assert.equal(await got.text(), 'weights');
});

test('refuses to listen on a non-loopback address without a key, saying what to set', async () => {
  const database = await createTestDatabase();
  try {
    await assert.rejects(
      startServer({
        databaseUrl: database.url,
        HOST: '0.0.0.0',
        PORT: 0,
        DATA_DIR: '.data/test-exposure',
        ARTIFACT_DIR: undefined,
        HEARTBEAT_TIMEOUT_SECONDS: 60,
        CRASH_SWEEP_INTERVAL_MS: 60_000,
        RUNBOARD_API_KEY: undefined,
        MAX_QUERY_DEPTH: 12,
        MAX_QUERY_COST: 50_000,
        DB_POOL_SIZE: 2,
      }),
      /RUNBOARD_ADMIN_KEY/,
    );
    // The same through `npm start`'s entry point, with an empty key (compose passes VAR= ): exits 1 with the message.
    // (A database holding keys counts as a key: this one has none.)
    const exec = promisify(execFile);
    const env = { HOST: '0.0.0.0', RUNBOARD_ADMIN_KEY: '', RUNBOARD_API_KEY: '', WEB: 'off', LOCAL_AGENT: 'off' };
    const failed = await exec(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      env: { ...childEnv(), ...env, DATABASE_URL: database.url, PORT: '0' },
      timeout: 120_000,
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed?.code, 1);
    assert.match(failed!.stderr, /Refusing to listen on 0\.0\.0\.0 without an API key[\s\S]*RUNBOARD_ADMIN_KEY/);
  } finally {
    await database.drop();
  }
});

test('npm run keys: create, list and revoke against the database', async () => {
  const exec = promisify(execFile);
  const keys = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
      env: { ...childEnv(), DATABASE_URL: s.database.url },
    });
  const created = await keys('create', '--name', 'cli-ci', '--scopes', 'read,log');
  const key = /^(rb_[0-9a-f]{12}_\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(key, created.stdout);
  assert.deepEqual((await call(key, `{ viewer { scopes } }`)).body.data.viewer.scopes, ['READ', 'LOG']);
  const listed = await keys('list');
  assert.match(listed.stdout, /cli-ci\s+scopes=READ,LOG/);
  assert.ok(!listed.stdout.includes(key), 'list never shows a key');
  const id = /^(\S+)\s+rb_\S+\s+cli-ci/m.exec(listed.stdout)![1]!;
  await keys('revoke', id);
  const revokedAt = Date.now();
  // Revoked in the database by another process: the api_keys trigger's NOTIFY clears the server's key cache.
  await waitFor(async () => (await call(key, `{ experiments { id } }`)).status === 401);
  const noticedMs = Date.now() - revokedAt;
  assert.ok(
    noticedMs <= 1000,
    `a revocation by another process took ${noticedMs} ms to apply (docs/security.md: within 1 s)`,
  );
  const bad = await keys('create', '--name', 'x', '--scopes', 'root').catch((e) => e);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--scopes/);
});

/** The environment for child processes, without node:test's marker (a child seeing it reports to the runner). */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return env;
}

async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('docker-compose.yml requires RUNBOARD_ADMIN_KEY and gives agents their key in the environment', async () => {
  const { parse } = await import('yaml');
  const { readFileSync } = await import('node:fs');
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
  assert.match(compose.services.server.environment.RUNBOARD_ADMIN_KEY, /^\$\{RUNBOARD_ADMIN_KEY:\?/);
  assert.equal(compose.services.server.environment.HOST, '0.0.0.0');
  assert.ok(!compose.services.agent.command.some((a: string) => a.startsWith('--api-key')));
  assert.match(compose.services.agent.environment.RUNBOARD_API_KEY, /RUNBOARD_ADMIN_KEY:\?/);
});
