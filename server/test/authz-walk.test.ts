import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import {
  buildClientSchema,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Walks the schema as a key limited to one experiment sees it (introspection) and asks every root field,
 * query and subscription, for everything below it to DEPTH object levels, starting from the key's own
 * experiment (and again from the other one's ids). Every value of the other experiment carries a marker or is
 * one of its ids; no answer may hold any of them. A nested field that forgot the caller's scope (Agent.runs did)
 * shows up as a marker in some answer. New root fields or required arguments fail the test until the walk is
 * told how to call them (ROOT_ARGS / NESTED_ARGS), so nothing is left out silently.
 */
const ADMIN = 'admin-key-for-tests-0123456789';
const DEPTH = 4;
const MARK = `MARKB${randomUUID().slice(0, 6)}`;
let s: TestServer;

before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
});
after(async () => {
  await s.close();
});

async function call(key: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: any[] };
}

async function ok(query: string, variables?: Record<string, unknown>) {
  const r = await call(ADMIN, query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data;
}

interface Side {
  experimentId: string;
  experimentName: string;
  runId: string;
  sweepId: string;
  sweepRunIds: string[];
  artifactId: string;
  viewId: string;
}

/** One experiment's worth of everything a READ key can see: launched run, metrics, logs, artifact, sweep, view. */
async function seedSide(name: string, marker: string, label: string): Promise<Side> {
  const launched = await ok(
    `mutation($e: String!, $l: [String!], $n: String!) { launchRun(input: { experimentName: $e, labels: $l,
      name: $n, notes: $n, tags: [$n], config: { train: "data/train", val: "data/val" } }) { id experimentId } }`,
    { e: name, l: [label], n: `${marker}-run` },
  );
  const runId = launched.launchRun.id as string;
  const sweep = await ok(
    `mutation($e: String!, $n: String!, $c: JSON!) { launchSweep(input: { experimentName: $e, name: $n,
      entryPoint: "other", baseConfig: $c, space: { lr: { values: [1, 2] } }, method: GRID, metric: "secret",
      goal: MINIMIZE, maxRuns: 2, parallelism: 2 }) { id runs { id } } }`,
    { e: name, n: `${marker}-sweep`, c: { note: `${marker}-sweep` } },
  );
  const view = await ok(
    `mutation($e: ID!, $n: String!, $st: JSON!) { saveView(input: { experimentId: $e, name: $n, state: $st }) { id } }`,
    { e: launched.launchRun.experimentId, n: `${marker}-view`, st: { m: `${marker}-view` } },
  );
  return {
    experimentId: launched.launchRun.experimentId,
    experimentName: name,
    runId,
    sweepId: sweep.launchSweep.id,
    sweepRunIds: sweep.launchSweep.runs.map((r: { id: string }) => r.id),
    artifactId: '',
    viewId: view.saveView.id,
  };
}

/** Starts the launched run (held by the shared agent) and gives it metrics, a log line and an artifact. */
async function fill(side: Side, marker: string, value: number) {
  await ok(
    `mutation($id: ID!, $k: String!, $v: MetricValue!) { startRun(id: $id) { id }
      logMetrics(runId: $id, points: [{ key: "secret", step: 1, value: $v }, { key: $k, step: 1, value: $v }]) { accepted } }`,
    { id: side.runId, k: `${marker}_loss`, v: value },
  );
  await ok(`mutation($id: ID!, $t: String!) { appendRunLogs(runId: $id, lines: [{ stream: STDOUT, text: $t }]) }`, {
    id: side.runId,
    t: `${marker} log line`,
  });
  const art = await ok(
    `mutation($id: ID!, $n: String!) { registerArtifact(input: { runId: $id, name: $n, uri: "s3://b/x", size: 1,
      sha256: "${'a'.repeat(64)}" }) { id } }`,
    { id: side.runId, n: `${marker}.bin` },
  );
  side.artifactId = art.registerArtifact.id;
}

let A: Side;
let B: Side;
let readKey: string;

/** expA and expB share one agent (it holds a run of each); the key reads only expA. */
async function seed() {
  const label = `l-${randomUUID().slice(0, 8)}`;
  const agentId = randomUUID();
  A = await seedSide(`expA-${randomUUID().slice(0, 6)}`, 'visibleA', label);
  B = await seedSide(`${MARK}-exp`, MARK, label);
  await ok(
    `mutation($id: ID!, $l: [String!]) { registerAgent(input: { id: $id, name: "shared", host: "h", concurrency: 2,
      labels: $l }) { id } }`,
    { id: agentId, l: [label] },
  );
  const claimed = await ok(`mutation($id: ID!) { claimRuns(agentId: $id, max: 2) { run { id } } }`, { id: agentId });
  assert.equal(claimed.claimRuns.length, 2, 'the agent holds a run of each experiment');
  await fill(A, 'visibleA', 1.5);
  await fill(B, MARK, 777.125);
  const created = await ok(
    `mutation($e: [String!]) { createApiKey(input: { name: "walker", scopes: [READ],
    experiments: $e }) { key } }`,
    { e: [A.experimentName] },
  );
  readKey = created.createApiKey.key;
}

/** Everything of expB an answer must not contain. */
function forbiddenValues(): string[] {
  return [MARK, '777.125', B.experimentId, B.runId, B.sweepId, B.artifactId, B.viewId, ...B.sweepRunIds];
}

type Args = Record<string, unknown>;
/**
 * How to call each root field from the allowed side and from the other one. A root missing here fails the walk:
 * a new field must say how it is reached.
 */
function rootArgs(side: Side): Record<string, Args[]> {
  const since = [{ runId: side.runId, seq: 0 }];
  return {
    'Query.viewer': [{}],
    'Query.apiKeys': [{}],
    'Query.agents': [{}],
    'Query.queueStatus': [{}],
    'Query.trainerConfigSchema': [{}],
    'Query.experiments': [{ first: 5 }],
    'Query.experiment': [{ id: side.experimentId }, { name: side.experimentName }],
    'Query.run': [{ id: side.runId }, { id: side.sweepRunIds[0] }],
    'Query.runs': [
      { filter: { experimentName: side.experimentName }, first: 5 },
      { filter: { experimentId: side.experimentId }, first: 5 },
      { first: 5 },
    ],
    'Query.metricSeries': [{ runIds: [side.runId], keys: ['secret', `${MARK}_loss`] }],
    'Query.compareRuns': [{ runIds: [side.runId], keys: ['secret'] }],
    'Query.metricKeys': [{ experimentId: side.experimentId }, { runIds: [side.runId] }],
    'Query.sweep': [{ id: side.sweepId }],
    'Query.sweeps': [{ experimentId: side.experimentId }, {}],
    'Query.savedViews': [{ experimentId: side.experimentId }],
    'Query.savedView': [{ id: side.viewId }],
    'Subscription.runChanged': [{ runIds: [side.runId], since }, { experimentId: side.experimentId }],
    'Subscription.metricsLogged': [{ runIds: [side.runId], since }],
    'Subscription.runLogs': [{ runId: side.runId, afterLine: 0 }],
    'Subscription.experimentsChanged': [{}],
  };
}

/** Arguments for nested fields, by name; a required argument not named here fails the walk. */
const NESTED_ARGS: Record<string, unknown> = { first: 5, key: 'secret', keys: ['secret', `${MARK}_loss`] };

interface Sel {
  name: string;
  args: Args;
  /** null: a leaf. */
  children: Sel[] | null;
  type: string;
}

function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${literal(x)}`)
      .join(', ')} }`;
  return JSON.stringify(v);
}

function nestedArgs(parent: string, f: GraphQLField<unknown, unknown>): Args {
  const args: Args = {};
  for (const a of f.args) {
    if (a.name in NESTED_ARGS) args[a.name] = NESTED_ARGS[a.name];
    else if (isNonNullType(a.type))
      throw new Error(`${parent}.${f.name}(${a.name}:) is required: add it to NESTED_ARGS`);
  }
  return args;
}

/** Every leaf and, while depth lasts, every object field of `type`. */
function selectionOf(type: GraphQLObjectType, depth: number): Sel[] {
  const out: Sel[] = [];
  for (const f of Object.values(type.getFields())) {
    const named = getNamedType(f.type);
    if (isLeafType(named)) out.push({ name: f.name, args: nestedArgs(type.name, f), children: null, type: type.name });
    else if (isObjectType(named) && depth > 1)
      out.push({
        name: f.name,
        args: nestedArgs(type.name, f),
        children: selectionOf(named, depth - 1),
        type: type.name,
      });
  }
  if (!out.some((c) => c.children === null))
    out.push({ name: '__typename', args: {}, children: null, type: type.name });
  return out;
}

function print(sel: Sel): string {
  const args = Object.entries(sel.args);
  const a = args.length ? `(${args.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')})` : '';
  return sel.children ? `${sel.name}${a} { ${sel.children.map(print).join(' ')} }` : `${sel.name}${a}`;
}

/** Copies of `sel` each keeping one object branch where the tree first branches: the halves of a failed query. */
function splits(sel: Sel): Sel[] {
  const objects = (sel.children ?? []).filter((c) => c.children);
  const leaves = (sel.children ?? []).filter((c) => !c.children);
  if (objects.length === 0) return [];
  if (objects.length === 1) return splits(objects[0]!).map((o) => ({ ...sel, children: [...leaves, o] }));
  return objects.map((o) => ({ ...sel, children: [...leaves, o] }));
}

/** Type.field of every object field that answered with data (so the walk proves it went there). */
function visited(sel: Sel, data: unknown, into: Set<string>) {
  if (data == null || !sel.children) return;
  for (const item of Array.isArray(data) ? data : [data]) {
    for (const c of sel.children) {
      const v = (item as Record<string, unknown>)[c.name];
      if (c.children && v != null && !(Array.isArray(v) && v.length === 0)) {
        into.add(`${c.type}.${c.name}`);
        visited(c, v, into);
      }
    }
  }
}

const REFUSALS = new Set(['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']);

interface Walk {
  answers: number;
  refusals: string[];
  reached: Set<string>;
}

/** Values of expB in an answer that the request did not itself name (an id the caller sent may be echoed). */
function leaks(text: string, request: string): string[] {
  return forbiddenValues().filter((v) => v && text.includes(v) && !request.includes(v));
}

/** Asks `sel` over HTTP; on any error asks its halves, so a refusal in one branch cannot hide the others. */
async function walkQuery(sel: Sel, walk: Walk): Promise<void> {
  const query = `{ ${print(sel)} }`;
  const r = await call(readKey, query);
  walk.answers++;
  const text = JSON.stringify(r);
  assert.deepEqual(leaks(text, query), [], `expB reached by ${query}\n${text.slice(0, 1500)}`);
  visited({ ...sel, children: [sel] }, r.data, walk.reached);
  if (!r.errors?.length) return;
  // The root itself refused: its halves would be refused the same way.
  const rootRefused = r.errors.every((e) => (e.path?.length ?? 1) <= 1);
  const parts = rootRefused ? [] : splits(sel);
  if (parts.length === 0) {
    for (const e of r.errors) {
      assert.ok(REFUSALS.has(e.extensions?.code), `unexpected error for ${query}: ${JSON.stringify(e)}`);
      walk.refusals.push(`${sel.type}.${sel.name}: ${e.extensions?.code}`);
    }
    return;
  }
  for (const p of parts) await walkQuery(p, walk);
}

/** Every subscription path at once on one socket; then both experiments change, so live events flow too. */
async function walkSubscriptions(roots: Sel[], walk: Walk) {
  const client: Client = createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { apiKey: readKey },
  });
  const paths: Sel[] = [];
  const expand = (sel: Sel) => {
    const parts = splits(sel);
    if (parts.length === 0) paths.push(sel);
    else parts.forEach(expand);
  };
  roots.forEach(expand);
  const results = paths.map((sel) => {
    const events: { data?: any; errors?: any[] }[] = [];
    const failures: unknown[] = [];
    const dispose = client.subscribe(
      { query: `subscription { ${print(sel)} }` },
      { next: (v) => events.push(v as any), error: (e) => failures.push(e), complete: () => {} },
    );
    return { sel, events, failures, dispose };
  });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    for (const side of [A, B]) {
      await ok(`mutation($id: ID!, $n: String) { updateRun(id: $id, input: { notes: $n }) { id } }`, {
        id: side.runId,
        n: side === B ? `${MARK} again` : 'visibleA again',
      });
      await ok(
        `mutation($id: ID!) { logMetrics(runId: $id, points: [{ key: "secret", step: 2, value: 3 }]) { accepted } }`,
        {
          id: side.runId,
        },
      );
    }
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && results.some((r) => r.events.length < 1 && r.failures.length === 0))
      await new Promise((r) => setTimeout(r, 100));
  } finally {
    for (const r of results) r.dispose();
    await client.dispose();
  }
  for (const r of results) {
    const q = `subscription { ${print(r.sel)} }`;
    const text = JSON.stringify({ events: r.events, failures: r.failures });
    assert.deepEqual(leaks(text, q), [], `expB reached by ${q}\n${text.slice(0, 1500)}`);
    walk.answers += r.events.length;
    for (const e of r.events) visited({ ...r.sel, children: [r.sel] }, e.data, walk.reached);
    const errors = [...r.events.flatMap((e) => e.errors ?? []), ...r.failures.flat()] as any[];
    for (const e of errors) {
      assert.ok(REFUSALS.has(e.extensions?.code), `unexpected error for ${q}: ${JSON.stringify(e)}`);
      walk.refusals.push(`${r.sel.type}.${r.sel.name}: ${e.extensions?.code}`);
    }
    if (!errors.length) assert.ok(r.events.length > 0, `no event for ${q}`);
  }
}

function rootsOf(schema: GraphQLSchema, typeName: 'Query' | 'Subscription', side: Side): Sel[] {
  const type = schema.getType(typeName) as GraphQLObjectType;
  const table = rootArgs(side);
  const out: Sel[] = [];
  for (const f of Object.values(type.getFields())) {
    const variants = table[`${typeName}.${f.name}`];
    assert.ok(variants, `${typeName}.${f.name} is not in the walk's rootArgs: say how a READ key reaches it`);
    const named = getNamedType(f.type);
    for (const args of variants) {
      out.push({
        name: f.name,
        args,
        children: isObjectType(named) ? selectionOf(named, DEPTH) : null,
        type: typeName,
      });
    }
  }
  return out;
}

test(`a key limited to expA reaches nothing of expB from any root, to depth ${DEPTH}, queries and subscriptions`, async () => {
  await seed();
  const intro = await call(readKey, getIntrospectionQuery());
  assert.equal(intro.errors, undefined);
  const schema = buildClientSchema(intro.data);
  const walk: Walk = { answers: 0, refusals: [], reached: new Set() };
  // From the key's own experiment, and from the other one's ids (which must be refused, not answered).
  for (const side of [A, B]) {
    for (const root of rootsOf(schema, 'Query', side)) await walkQuery(root, walk);
  }
  await walkSubscriptions([...rootsOf(schema, 'Subscription', A), ...rootsOf(schema, 'Subscription', B)], walk);
  // The walk went where a leak would be: through agents, experiments, sweeps, artifacts, metrics and events.
  for (const edge of [
    'Query.run',
    'Run.launch',
    'RunLaunch.agent',
    'Agent.runs',
    'Run.experiment',
    'Experiment.runs',
    'RunConnection.nodes',
    'RunLaunch.sweep',
    'Sweep.runs',
    'Run.artifacts',
    'Run.metrics',
    'Run.history',
    'Run.logs',
    'MetricSeries.points',
    'MetricComparison.results',
    'Subscription.runChanged',
    'RunEvent.run',
    'Subscription.metricsLogged',
    'Subscription.runLogs',
    'Subscription.experimentsChanged',
    'ExperimentChange.experiment',
  ])
    assert.ok(walk.reached.has(edge), `the walk never got data through ${edge}: ${[...walk.reached].sort().join(' ')}`);
  // The limited key's own data came back (so "nothing of expB" is not "nothing at all").
  const own = await call(readKey, `{ run(id: "${A.runId}") { launch { agent { activeRunCount runs { id name } } } } }`);
  assert.deepEqual(
    own.data.run.launch.agent.runs.map((r: { id: string }) => r.id),
    [A.runId],
  );
  // The agent's run of expB shows only as a count.
  assert.equal(own.data.run.launch.agent.activeRunCount, 2);
  // Roots naming expB, and cross-experiment roots, were refused rather than answered.
  for (const r of ['Query.run: FORBIDDEN', 'Query.agents: FORBIDDEN', 'Query.savedView: FORBIDDEN'])
    assert.ok(walk.refusals.includes(r), `expected ${r} among ${[...new Set(walk.refusals)].join(', ')}`);
  console.log(`walk: ${walk.answers} answers, ${walk.reached.size} edges with data, ${walk.refusals.length} refusals`);
});
