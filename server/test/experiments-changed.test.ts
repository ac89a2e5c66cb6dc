import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * experimentsChanged keeps a list of experiments current (the home page) and is scope-filtered: a READ key
 * limited to expA hears of expA's changes and never of expB's, whether expB is created, renamed, gets runs or
 * is deleted.
 */
const ADMIN = 'admin-key-for-tests-0123456789';
let s: TestServer;
before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
});
after(async () => {
  await s.close();
});

async function ok(key: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: any[] };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

interface Change {
  experimentId: string | null;
  kind: string;
  experiment: { name: string; runCount: number } | null;
}

/** Subscribes with `key` and collects every change. */
function listen(key: string, startWithResync = false): { client: Client; changes: Change[]; errors: unknown[] } {
  const client = createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { apiKey: key },
  });
  const out = { client, changes: [] as Change[], errors: [] as unknown[] };
  client.subscribe(
    {
      query: `subscription($r: Boolean) {
        experimentsChanged(startWithResync: $r) { experimentId kind experiment { name runCount } } }`,
      variables: { r: startWithResync },
    },
    {
      next: (v) => (v.errors ? out.errors.push(v.errors) : out.changes.push((v.data as any).experimentsChanged)),
      error: (e) => out.errors.push(e),
      complete: () => {},
    },
  );
  return out;
}

async function until(what: string, cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const createExperiment = (name: string) =>
  ok(ADMIN, 'mutation($n: String!) { createExperiment(input: { name: $n }) { id } }', { n: name }).then(
    (d) => d.createExperiment.id as string,
  );
const describe = (id: string, text: string) =>
  ok(ADMIN, 'mutation($id: ID!, $d: String) { updateExperiment(id: $id, input: { description: $d }) { id } }', {
    id,
    d: text,
  });
const createRun = (experimentName: string) =>
  ok(ADMIN, 'mutation($e: String) { createRun(input: { experimentName: $e }) { id } }', { e: experimentName });

test('a READ key limited to expA hears of expA only; an unlimited key hears of every experiment', async () => {
  const a = `expA-${randomUUID().slice(0, 6)}`;
  const b = `expB-${randomUUID().slice(0, 6)}`;
  const c = `expC-${randomUUID().slice(0, 6)}`;
  const idA = await createExperiment(a);
  const { createApiKey } = await ok(
    ADMIN,
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
    { input: { name: `limited-${a}`, scopes: ['READ'], experiments: [a] } },
  );
  const limited = listen(createApiKey.key);
  const all = listen(ADMIN);
  try {
    // Both subscriptions are live once each has heard of a change to expA.
    let probes = 0;
    await until('both subscriptions to start', () => {
      const heard = limited.changes.length > 0 && all.changes.length > 0;
      if (!heard && probes++ % 10 === 0) void describe(idA, `probe ${probes}`);
      return heard;
    });
    limited.changes.length = 0;
    all.changes.length = 0;

    const idB = await createExperiment(b);
    await createRun(b);
    await describe(idB, 'renamed? no, described');
    await createRun(a);
    await createRun(c); // an experiment created by a run that names it
    await ok(ADMIN, 'mutation($id: ID!) { deleteExperiment(id: $id) }', { id: idB });
    await describe(idA, 'the end');
    await until('the last change to reach both', () =>
      [limited, all].every((l) => l.changes.some((x) => x.kind === 'UPDATED' && x.experimentId === idA)),
    );

    assert.deepEqual(limited.errors, []);
    assert.deepEqual(
      limited.changes.map((x) => [x.experimentId, x.kind]),
      [
        [idA, 'RUNS_CHANGED'],
        [idA, 'UPDATED'],
      ],
    );
    assert.ok(!JSON.stringify(limited.changes).includes(b), 'nothing of expB reached the limited key');
    assert.equal(limited.changes[0]!.experiment?.runCount, 1);

    const kinds = (id: string) => all.changes.filter((x) => x.experimentId === id).map((x) => x.kind);
    assert.deepEqual(kinds(idB), ['CREATED', 'RUNS_CHANGED', 'UPDATED', 'DELETED']);
    assert.deepEqual(kinds(idA), ['RUNS_CHANGED', 'UPDATED']);
    const byName = all.changes.filter((x) => x.experiment?.name === c).map((x) => x.kind);
    assert.deepEqual(byName.slice(0, 1), ['CREATED'], 'a run naming a new experiment announces it');
    assert.equal(all.changes.find((x) => x.kind === 'DELETED')?.experiment, null);
  } finally {
    await Promise.all([limited.client.dispose(), all.client.dispose()]);
  }
});

test('startWithResync: the first event is one RESYNC, sent once the server listens; changes after it follow', async () => {
  // A list read before subscribing is re-read on that RESYNC; the change below is committed after the RESYNC
  // arrived, so it must come as an event (no waiting, no probes: the RESYNC says the server is listening).
  const l = listen(ADMIN, true);
  try {
    await until('the RESYNC', () => l.changes.length > 0);
    const id = await createExperiment(`resync-${randomUUID().slice(0, 6)}`);
    await until('the created experiment', () => l.changes.some((x) => x.experimentId === id));
    assert.deepEqual(l.errors, []);
    assert.deepEqual(
      l.changes.map((x) => [x.experimentId, x.kind]),
      [
        [null, 'RESYNC'],
        [id, 'CREATED'],
      ],
    );
  } finally {
    await l.client.dispose();
  }
});
