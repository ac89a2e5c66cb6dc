// Property-based: random and hostile mutations and filter strings against a real server. Every answer
// is data or errors carrying a documented code (never INTERNAL_SERVER_ERROR, never HTTP 5xx), a failed
// request writes nothing, the stored data stays self-consistent, and the server keeps answering.
// Bounded: a fixed number of cases (with a time cap that ends the run early, it does not fail it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import fc from 'fast-check';
import pg from 'pg';

/** The error table of docs/api.md. */
const DOCUMENTED = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_FILTER',
  'INVALID_STATE_TRANSITION',
  'RUN_NOT_ACTIVE',
  'PAYLOAD_TOO_LARGE',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COMPLEX',
  'TOO_MANY_ALIASES',
  'RESPONSE_TOO_LARGE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'UNAUTHENTICATED',
]);

let s: TestServer;
let db: pg.Pool;
const runIds: string[] = [];
before(async () => {
  s = await startTestServer();
  db = new pg.Pool({ connectionString: s.database.url, max: 2 });
  for (let i = 0; i < 3; i++) {
    const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "prop" }) { id } }`);
    if (i > 0) await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
    runIds.push(createRun.id);
  }
});
after(async () => {
  await db.end();
  await s.close();
});

const HOSTILE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  '%E0%A4%A',
  '-'.repeat(36),
  '0000-01-01',
  '99999-12-31',
  "'; DROP TABLE runs; --",
  '"',
  '\\',
  '$1',
  '../../etc/passwd',
  'x'.repeat(300),
  '',
  ' ',
  '1e400',
  'NaN',
  '🙂',
];
const str = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(...HOSTILE),
);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(str, fc.oneof(str, fc.double(), fc.integer()), { maxKeys: 4 }),
  fc.integer({ min: 1, max: 300 }).map((d) => {
    let v: unknown = 1;
    for (let i = 0; i < d; i++) v = { a: v };
    return v;
  }),
);
// Mostly real runs (one QUEUED, two RUNNING until a finishRun ends them), so the writes get far enough to matter.
const id = fc.oneof(
  { arbitrary: fc.constantFrom(...[0, 1, 2].map((i) => `@run${i}`)), weight: 6 },
  { arbitrary: str, weight: 1 },
  { arbitrary: fc.uuid(), weight: 1 },
);
const step = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(-1, 2147483647, 2147483648, 2 ** 53));
const value = fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity'), str);
const field = fc.oneof(
  fc.constantFrom('createdAt', 'startedAt', 'name', 'status', 'config.lr', 'metrics.loss', 'max(metrics.acc)', 'tags'),
  str,
);
const op = fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '~', 'HAS', 'EXISTS', 'IN', 'BETWEEN');
const literal = fc.oneof(
  str.map((x) => JSON.stringify(x)),
  fc.double().map(String),
  fc.constantFrom('"0000-01-01"', '"2026-13-45"', '1e400', '(1, 2)', '1 AND 2', 'FINISHED', '"\\u0000"'),
);
const where = fc.oneof(
  str,
  fc.tuple(field, op, literal).map(([f, o, l]) => `${f} ${o} ${l}`),
  fc
    .array(fc.tuple(field, op, literal), { minLength: 2, maxLength: 4 })
    .map((ps) => ps.map(([f, o, l]) => `(${f} ${o} ${l})`).join(fc.sample(fc.constantFrom(' AND ', ' OR '), 1)[0])),
);

type Call = { query: string; variables: Record<string, unknown>; writes: boolean };
const call = fc.oneof(
  fc.record({ e: str, n: fc.option(str), notes: str, c: json, t: fc.array(str, { maxLength: 3 }) }).map(
    ({ e, n, notes, c, t }): Call => ({
      query: `mutation($i: CreateRunInput!) { createRun(input: $i) { id } }`,
      variables: { i: { experimentName: e, name: n, notes, config: c, tags: t } },
      writes: true,
    }),
  ),
  fc.record({ id, notes: str }).map(
    ({ id, notes }): Call => ({
      query: `mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`,
      variables: { id, n: notes },
      writes: true,
    }),
  ),
  fc.record({ id, info: json }).map(
    ({ id, info }): Call => ({
      query: `mutation($id: ID!, $i: JSON) { startRun(id: $id, systemInfo: $i) { id } }`,
      variables: { id, i: info },
      writes: true,
    }),
  ),
  fc.record({ id, points: fc.array(fc.record({ key: str, step, value }), { minLength: 0, maxLength: 6 }) }).map(
    ({ id, points }): Call => ({
      query: `mutation($id: ID!, $p: [MetricPointInput!]) { logMetrics(runId: $id, points: $p) { seq } }`,
      variables: { id, p: points },
      writes: true,
    }),
  ),
  fc.record({ id, lines: fc.array(str, { maxLength: 4 }) }).map(
    ({ id, lines }): Call => ({
      query: `mutation($id: ID!, $l: [LogLineInput!]!) { appendRunLogs(runId: $id, lines: $l) }`,
      variables: { id, l: lines.map((text) => ({ stream: 'STDOUT', text })) },
      writes: true,
    }),
  ),
  fc.record({ id, status: fc.constantFrom('FINISHED', 'FAILED', 'CANCELED', 'RUNNING'), error: fc.option(str) }).map(
    ({ id, status, error }): Call => ({
      query: `mutation($id: ID!, $e: String) { finishRun(id: $id, status: ${status}, error: $e) { id } }`,
      variables: { id, e: error },
      writes: true,
    }),
  ),
  fc
    .record({
      w: where,
      o: fc.option(fc.array(fc.record({ field }), { maxLength: 12 })),
      a: fc.option(
        fc.oneof(
          str,
          str.map((x) => Buffer.from(JSON.stringify([x, x, x])).toString('base64url')),
        ),
      ),
      f: fc.option(fc.integer({ min: -5, max: 1000 })),
    })
    .map(
      ({ w, o, a, f }): Call => ({
        query: `query($w: String, $o: [RunOrder!], $a: String, $f: Int) { runs(filter: { where: $w }, orderBy: $o, after: $a, first: $f) { nodes { id } totalCount } }`,
        variables: { w, o, a, f },
        writes: false,
      }),
    ),
);

async function snapshot() {
  const { rows } = await db.query(`SELECT
    (SELECT count(*)::int FROM experiments) AS experiments, (SELECT count(*)::int FROM runs) AS runs,
    (SELECT count(*)::int FROM metrics) AS metrics, (SELECT count(*)::int FROM run_logs) AS logs,
    (SELECT coalesce(sum(seq), 0)::int FROM runs) AS seqs,
    (SELECT string_agg(status::text || coalesce(notes, '') || coalesce(error_message, ''), ',' ORDER BY id) FROM runs) AS states`);
  return rows[0];
}

/** Invariants that hold after any sequence of requests. */
async function consistent() {
  const logs = await db.query(
    `SELECT r.id FROM runs r WHERE r.log_lines <> (SELECT count(*) FROM run_logs l WHERE l.run_id = r.id)`,
  );
  assert.deepEqual(logs.rows, [], 'runs.log_lines counts the stored lines');
  const metrics = await db.query(
    `SELECT l.run_id, l.key FROM metric_latest l
      WHERE l.count <> (SELECT count(*) FROM metrics m WHERE m.run_id = l.run_id AND m.key = l.key)`,
  );
  assert.deepEqual(metrics.rows, [], 'metric summaries count the stored points');
}

test('random and hostile mutations and filters: documented codes only, nothing half-written', async () => {
  let cases = 0;
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(call, async (c) => {
      cases++;
      const variables = JSON.parse(
        JSON.stringify(c.variables, (_k, v) =>
          typeof v === 'string' && v.startsWith('@run') ? (runIds[Number(v.slice(4))] ?? v) : v,
        ),
      );
      const before = c.writes ? await snapshot() : null;
      const res = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: c.query, variables }),
      });
      assert.ok(res.status < 500, `HTTP ${res.status}`);
      const body = (await res.json()) as {
        data?: unknown;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      if (body.errors?.length) {
        for (const e of body.errors) {
          const code = String(e.extensions?.code);
          codes.set(code, (codes.get(code) ?? 0) + 1);
          assert.ok(DOCUMENTED.has(code), `undocumented code ${code}: ${e.message}`);
        }
        if (before) assert.deepEqual(await snapshot(), before, `a failed ${c.query.slice(0, 40)} wrote nothing`);
      } else {
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
        assert.ok(body.data, 'data when there are no errors');
      }
    }),
    { numRuns: 300, interruptAfterTimeLimit: 60_000, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
  );
  await consistent();
  const health = await fetch(s.url.replace('/graphql', '/healthz'));
  assert.equal(health.status, 200, 'the server is still up');
  console.log(`${cases} cases; outcomes ${JSON.stringify(Object.fromEntries(codes))}`);
});
