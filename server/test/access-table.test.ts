import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { buildClientSchema, type GraphQLObjectType, getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { mlflowAccess } from '../src/modules/mlflow/access.ts';

/**
 * The access table, written out here on its own (not read from server/src/modules/* /access.ts), and every root
 * field and MLflow route called with every kind of key: no key, each scope alone, and a key holding every scope
 * but ADMIN limited to another experiment. A refused call must carry the stable code (UNAUTHENTICATED, or
 * FORBIDDEN naming the missing scope) and write nothing; an allowed one must not be refused by the gate. Making
 * logMetrics PUBLIC in metric/access.ts, or loosening any rule, fails here.
 */
type Scope = 'READ' | 'LOG' | 'LAUNCH' | 'AGENT' | 'ADMIN';
/** 'target': a limited key must name only its experiments; 'unlimited': refused to any limited key. */
type Limit = 'none' | 'filter' | 'target' | 'unlimited';
type Rule = [Scope | 'PUBLIC', Limit];

const ACCESS: Record<string, Rule> = {
  'Query.viewer': ['PUBLIC', 'none'],
  'Query.apiKeys': ['ADMIN', 'unlimited'],
  'Query.agents': ['READ', 'unlimited'],
  'Query.queueStatus': ['READ', 'unlimited'],
  'Query.trainerConfigSchema': ['READ', 'none'],
  'Query.experiments': ['READ', 'filter'],
  'Query.experiment': ['READ', 'target'],
  'Query.run': ['READ', 'target'],
  'Query.runs': ['READ', 'target'],
  'Query.metricSeries': ['READ', 'target'],
  'Query.compareRuns': ['READ', 'target'],
  'Query.metricKeys': ['READ', 'target'],
  'Query.sweep': ['READ', 'target'],
  'Query.sweeps': ['READ', 'target'],
  'Query.savedViews': ['READ', 'target'],
  'Query.savedView': ['READ', 'unlimited'],
  'Mutation.createApiKey': ['ADMIN', 'unlimited'],
  'Mutation.revokeApiKey': ['ADMIN', 'unlimited'],
  'Mutation.createExperiment': ['LOG', 'target'],
  'Mutation.updateExperiment': ['LOG', 'target'],
  'Mutation.deleteExperiment': ['ADMIN', 'target'],
  'Mutation.createRun': ['LOG', 'target'],
  'Mutation.startRun': ['LOG', 'target'],
  'Mutation.heartbeat': ['LOG', 'target'],
  'Mutation.finishRun': ['LOG', 'target'],
  'Mutation.updateRun': ['LOG', 'target'],
  'Mutation.updateRuns': ['LOG', 'target'],
  'Mutation.deleteRun': ['ADMIN', 'target'],
  'Mutation.deleteRuns': ['ADMIN', 'target'],
  'Mutation.logMetrics': ['LOG', 'target'],
  'Mutation.truncateMetrics': ['LOG', 'target'],
  'Mutation.registerArtifact': ['LOG', 'target'],
  'Mutation.deleteArtifact': ['ADMIN', 'target'],
  'Mutation.launchRun': ['LAUNCH', 'target'],
  'Mutation.cancelRun': ['LAUNCH', 'target'],
  'Mutation.launchSweep': ['LAUNCH', 'target'],
  'Mutation.cancelSweep': ['LAUNCH', 'target'],
  'Mutation.registerAgent': ['AGENT', 'unlimited'],
  'Mutation.claimRuns': ['AGENT', 'unlimited'],
  'Mutation.renewLeases': ['AGENT', 'unlimited'],
  'Mutation.reportRunExit': ['AGENT', 'unlimited'],
  'Mutation.appendRunLogs': ['AGENT', 'target'],
  'Mutation.saveView': ['LOG', 'target'],
  'Mutation.deleteView': ['LOG', 'unlimited'],
  'Subscription.runChanged': ['READ', 'target'],
  'Subscription.metricsLogged': ['READ', 'target'],
  'Subscription.runLogs': ['READ', 'target'],
  'Subscription.experimentsChanged': ['READ', 'filter'],
};

/** What each scope brings (docs/security.md): ADMIN everything, AGENT also LOG. */
const IMPLIES: Record<Scope, Scope[]> = {
  READ: ['READ'],
  LOG: ['LOG'],
  LAUNCH: ['LAUNCH'],
  AGENT: ['AGENT', 'LOG'],
  ADMIN: ['READ', 'LOG', 'LAUNCH', 'AGENT', 'ADMIN'],
};

interface Caller {
  label: string;
  key?: string;
  scopes: Scope[];
  limited: boolean;
}

interface Ids {
  experiment: string;
  experimentName: string;
  run: string;
  sweep: string;
  artifact: string;
  view: string;
  agent: string;
  apiKey: string;
}

/** One call of each root field; `ids` are real rows for refused calls, unknown ones where an allowed call deletes. */
function operation(field: string, ids: Ids): { query: string; variables: Record<string, unknown> } {
  const v = { ...ids, uuid: randomUUID(), name: `t-${randomUUID().slice(0, 8)}` };
  const q: Record<string, string> = {
    'Query.viewer': '{ viewer { authenticated } }',
    'Query.apiKeys': '{ apiKeys { id } }',
    'Query.agents': '{ agents { id } }',
    'Query.queueStatus': '{ queueStatus { queued } }',
    'Query.trainerConfigSchema': '{ trainerConfigSchema }',
    'Query.experiments': '{ experiments { id } }',
    'Query.experiment': 'query($experiment: ID) { experiment(id: $experiment) { id } }',
    'Query.run': 'query($run: ID!) { run(id: $run) { id } }',
    'Query.runs': 'query($experiment: ID) { runs(filter: { experimentId: $experiment }) { nodes { id } } }',
    'Query.metricSeries': 'query($run: ID!) { metricSeries(runIds: [$run], keys: ["loss"]) { runId } }',
    'Query.compareRuns': 'query($run: ID!) { compareRuns(runIds: [$run]) { runs { id } } }',
    'Query.metricKeys': 'query($experiment: ID) { metricKeys(experimentId: $experiment) }',
    'Query.sweep': 'query($sweep: ID!) { sweep(id: $sweep) { id } }',
    'Query.sweeps': 'query($experiment: ID) { sweeps(experimentId: $experiment) { id } }',
    'Query.savedViews': 'query($experiment: ID!) { savedViews(experimentId: $experiment) { id } }',
    'Query.savedView': 'query($view: ID!) { savedView(id: $view) { id } }',
    'Mutation.createApiKey':
      'mutation($name: String!) { createApiKey(input: { name: $name, scopes: [ADMIN] }) { key } }',
    'Mutation.revokeApiKey': 'mutation($apiKey: ID!) { revokeApiKey(id: $apiKey) { id } }',
    'Mutation.createExperiment':
      'mutation($experimentName: String!) { createExperiment(input: { name: $experimentName }) { id } }',
    'Mutation.updateExperiment':
      'mutation($experiment: ID!) { updateExperiment(id: $experiment, input: { description: "changed" }) { id } }',
    'Mutation.deleteExperiment': 'mutation($experiment: ID!) { deleteExperiment(id: $experiment) }',
    'Mutation.createRun': 'mutation($experiment: ID) { createRun(input: { experimentId: $experiment }) { id } }',
    'Mutation.startRun': 'mutation($run: ID!) { startRun(id: $run) { id } }',
    'Mutation.heartbeat': 'mutation($run: ID!) { heartbeat(runId: $run) { id } }',
    'Mutation.finishRun': 'mutation($run: ID!) { finishRun(id: $run, status: FINISHED) { id } }',
    'Mutation.updateRun': 'mutation($run: ID!) { updateRun(id: $run, input: { notes: "changed" }) { id } }',
    'Mutation.updateRuns': 'mutation($run: ID!) { updateRuns(ids: [$run], input: { addTags: ["changed"] }) { id } }',
    'Mutation.deleteRun': 'mutation($run: ID!) { deleteRun(id: $run) }',
    'Mutation.deleteRuns': 'mutation($run: ID!) { deleteRuns(ids: [$run]) }',
    'Mutation.logMetrics':
      'mutation($run: ID!) { logMetrics(runId: $run, points: [{ key: "loss", step: 9, value: 9 }]) { accepted } }',
    'Mutation.truncateMetrics': 'mutation($run: ID!) { truncateMetrics(runId: $run, afterStep: -1) { deleted } }',
    'Mutation.registerArtifact': `mutation($run: ID!) { registerArtifact(input: { runId: $run, name: "a", uri: "s3://b/a",
      size: 1, sha256: "${'a'.repeat(64)}" }) { id } }`,
    'Mutation.deleteArtifact': 'mutation($artifact: ID!) { deleteArtifact(id: $artifact) }',
    'Mutation.launchRun': `mutation($experiment: ID) { launchRun(input: { experimentId: $experiment, entryPoint: "x",
      config: {} }) { id } }`,
    'Mutation.cancelRun': 'mutation($run: ID!) { cancelRun(id: $run) { id } }',
    'Mutation.launchSweep': `mutation($experiment: ID) { launchSweep(input: { experimentId: $experiment, entryPoint: "x",
      baseConfig: {}, space: { lr: [1] }, method: GRID, metric: "loss", goal: MINIMIZE, maxRuns: 1, parallelism: 1 }) { id } }`,
    'Mutation.cancelSweep': 'mutation($sweep: ID!) { cancelSweep(id: $sweep) { id } }',
    'Mutation.registerAgent':
      'mutation($uuid: ID!) { registerAgent(input: { id: $uuid, name: "a", host: "h", concurrency: 1 }) { id } }',
    'Mutation.claimRuns': 'mutation($agent: ID!) { claimRuns(agentId: $agent, max: 1) { run { id } } }',
    'Mutation.renewLeases':
      'mutation($agent: ID!, $run: ID!) { renewLeases(agentId: $agent, runIds: [$run]) { lost } }',
    'Mutation.reportRunExit':
      'mutation($agent: ID!, $run: ID!) { reportRunExit(agentId: $agent, runId: $run, exitCode: 0) { id } }',
    'Mutation.appendRunLogs':
      'mutation($run: ID!) { appendRunLogs(runId: $run, lines: [{ stream: STDOUT, text: "x" }]) }',
    'Mutation.saveView':
      'mutation($experiment: ID!, $name: String!) { saveView(input: { experimentId: $experiment, name: $name, state: {} }) { id } }',
    'Mutation.deleteView': 'mutation($view: ID!) { deleteView(id: $view) }',
    'Subscription.runChanged': 'subscription($run: ID!) { runChanged(runIds: [$run]) { kind } }',
    'Subscription.metricsLogged': 'subscription($run: ID!) { metricsLogged(runIds: [$run]) { runId } }',
    'Subscription.runLogs': 'subscription($run: ID!) { runLogs(runId: $run) { runId } }',
    'Subscription.experimentsChanged': 'subscription { experimentsChanged { kind } }',
  };
  const query = q[field];
  assert.ok(query, `no call written for ${field}`);
  const used = Object.fromEntries(Object.entries(v).filter(([k]) => new RegExp(`\\$${k}\\b`).test(query)));
  return { query, variables: used };
}

const ADMIN = 'admin-key-for-access-table-0123456789';
let s: TestServer;
let db: pg.Client;
let real: Ids;
let callers: Caller[];

async function gql(key: string | undefined, query: string, variables: Record<string, unknown>) {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

async function admin(query: string, variables: Record<string, unknown> = {}) {
  const r = await gql(ADMIN, query, variables);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data;
}

async function newKey(scopes: Scope[], experiments?: string[]) {
  const d = await admin('mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id } } }', {
    i: { name: `k-${scopes.join('-')}`, scopes, experiments },
  });
  return d.createApiKey as { key: string; apiKey: { id: string } };
}

before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
  db = new pg.Client({ connectionString: s.database.url });
  await db.connect();
  const exp = await admin('mutation { createExperiment(input: { name: "table" }) { id } }');
  const experiment = exp.createExperiment.id;
  const run = (await admin('mutation($e: ID) { createRun(input: { experimentId: $e }) { id } }', { e: experiment }))
    .createRun.id;
  await admin('mutation($r: ID!) { startRun(id: $r) { id } }', { r: run });
  const sweep = await admin(
    `mutation($e: ID) { launchSweep(input: { experimentId: $e, entryPoint: "x", baseConfig: {},
    space: { lr: [1] }, method: GRID, metric: "loss", goal: MINIMIZE, maxRuns: 1, parallelism: 1 }) { id } }`,
    { e: experiment },
  );
  const artifact = await admin(
    `mutation($r: ID!) { registerArtifact(input: { runId: $r, name: "m", uri: "s3://b/m",
    size: 1, sha256: "${'b'.repeat(64)}" }) { id } }`,
    { r: run },
  );
  const view = await admin('mutation($e: ID!) { saveView(input: { experimentId: $e, name: "v", state: {} }) { id } }', {
    e: experiment,
  });
  const agentKey = await newKey(['AGENT']);
  const agent = randomUUID();
  const reg = await gql(
    agentKey.key,
    'mutation($id: ID!) { registerAgent(input: { id: $id, name: "a", host: "h", concurrency: 1 }) { id } }',
    { id: agent },
  );
  assert.equal(reg.body.errors, undefined);
  const victim = await newKey(['READ']);
  real = {
    experiment,
    experimentName: 'table',
    run,
    sweep: sweep.launchSweep.id,
    artifact: artifact.registerArtifact.id,
    view: view.saveView.id,
    agent,
    apiKey: victim.apiKey.id,
  };
  callers = [{ label: 'no key', scopes: [], limited: false }];
  for (const scope of ['READ', 'LOG', 'LAUNCH', 'AGENT', 'ADMIN'] as Scope[])
    callers.push({ label: scope, key: (await newKey([scope])).key, scopes: IMPLIES[scope], limited: false });
  callers.push({
    label: 'READ+LOG+LAUNCH+AGENT limited to another experiment',
    key: (await newKey(['READ', 'LOG', 'LAUNCH', 'AGENT'], ['elsewhere'])).key,
    scopes: ['READ', 'LOG', 'LAUNCH', 'AGENT'],
    limited: true,
  });
});
after(async () => {
  await db.end();
  await s.close();
});

/** What the gate must answer: null (let through), or the refusal. */
function expected(rule: Rule, c: Caller): 'UNAUTHENTICATED' | 'SCOPE' | 'EXPERIMENT' | null {
  const [requires, limit] = rule;
  if (requires === 'PUBLIC') return null;
  if (!c.key) return 'UNAUTHENTICATED';
  if (!c.scopes.includes(requires)) return 'SCOPE';
  if (c.limited && (limit === 'target' || limit === 'unlimited')) return 'EXPERIMENT';
  return null;
}

type Outcome = 'UNAUTHENTICATED' | 'SCOPE' | 'EXPERIMENT' | null;

function outcomeOf(errors: any[] | undefined, requires: string): Outcome {
  const e = errors?.[0];
  if (!e) return null;
  const code = e.extensions?.code;
  // A document the schema refuses never reaches the gate: the table's call is wrong, not the server.
  assert.notEqual(code, 'GRAPHQL_VALIDATION_FAILED', JSON.stringify(e));
  if (code === 'UNAUTHENTICATED') return 'UNAUTHENTICATED';
  if (code === 'FORBIDDEN' && e.extensions?.scope === requires) return 'SCOPE';
  if (code === 'FORBIDDEN' && /limited to some experiments/.test(e.message)) return 'EXPERIMENT';
  return null;
}

/** A subscription's first answer (error or event) within a short wait; null when it started and waits for events. */
async function subscribeOnce(key: string | undefined, query: string, variables: Record<string, unknown>) {
  const client = createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: key ? { apiKey: key } : {},
  });
  try {
    return await new Promise<{ errors?: any[]; closed?: number }>((resolve) => {
      const timer = setTimeout(() => resolve({}), 400);
      client.on('closed', (e) => {
        clearTimeout(timer);
        resolve({ closed: (e as { code: number }).code });
      });
      client.subscribe(
        { query, variables },
        {
          next: (v) => {
            clearTimeout(timer);
            resolve({ errors: v.errors as any[] | undefined });
          },
          error: (e) => {
            clearTimeout(timer);
            resolve(Array.isArray(e) ? { errors: e } : { closed: (e as { code?: number }).code ?? -1 });
          },
          complete: () => {},
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

async function outcome(field: string, c: Caller, ids: Ids): Promise<Outcome> {
  const rule = ACCESS[field]!;
  const { query, variables } = operation(field, ids);
  if (field.startsWith('Subscription.')) {
    const r = await subscribeOnce(c.key, query, variables);
    // Without a (valid) key the socket itself is refused: graphql-ws closes it with 4403.
    if (r.closed === 4403) return 'UNAUTHENTICATED';
    return outcomeOf(r.errors, String(rule[0]));
  }
  const r = await gql(c.key, query, variables);
  const o = outcomeOf(r.body.errors, String(rule[0]));
  if (o === 'UNAUTHENTICATED') assert.equal(r.status, 401, `${field} without a key answers 401`);
  return o;
}

async function snapshot() {
  const { rows } = await db.query(`SELECT
    (SELECT count(*)::int FROM experiments) AS experiments, (SELECT count(*)::int FROM runs) AS runs,
    (SELECT count(*)::int FROM metrics) AS metrics, (SELECT count(*)::int FROM run_logs) AS logs,
    (SELECT count(*)::int FROM artifacts) AS artifacts, (SELECT count(*)::int FROM agents) AS agents,
    (SELECT count(*)::int FROM api_keys WHERE revoked_at IS NULL) AS keys,
    (SELECT count(*)::int FROM saved_views) AS views, (SELECT count(*)::int FROM sweeps) AS sweeps,
    (SELECT string_agg(run_id || key || value, ';' ORDER BY run_id, key) FROM run_tags) AS runTags,
    (SELECT string_agg(experiment_id || key || value, ';' ORDER BY experiment_id, key) FROM experiment_tags) AS expTags,
    (SELECT count(*)::int FROM mlflow_datasets) AS datasets, (SELECT count(*)::int FROM mlflow_run_inputs) AS inputs,
    (SELECT string_agg(id || status::text || seq || notes || array_to_string(tags, ','), ';' ORDER BY id) FROM runs) AS runState,
    (SELECT string_agg(id || name || description, ';' ORDER BY id) FROM experiments) AS experimentState`);
  return rows[0];
}

/** Fields whose allowed call would delete or end a row the refused calls use: called with unknown ids. */
const DESTRUCTIVE = new Set([
  'Mutation.deleteExperiment',
  'Mutation.deleteRun',
  'Mutation.deleteRuns',
  'Mutation.deleteArtifact',
  'Mutation.deleteView',
  'Mutation.revokeApiKey',
]);

test('the access table covers every root field of the schema', async () => {
  const intro = await gql(ADMIN, getIntrospectionQuery(), {});
  const schema = buildClientSchema(intro.body.data);
  const fields: string[] = [];
  for (const t of ['Query', 'Mutation', 'Subscription'])
    for (const f of Object.keys((schema.getType(t) as GraphQLObjectType).getFields())) fields.push(`${t}.${f}`);
  assert.deepEqual(fields.sort(), Object.keys(ACCESS).sort());
});

test('every root field with every kind of key: refused ones get the stable code and write nothing', async () => {
  const mismatches: string[] = [];
  const before = await snapshot();
  // First every call the table refuses, on real rows; then nothing may have changed.
  for (const field of Object.keys(ACCESS))
    for (const c of callers) {
      const want = expected(ACCESS[field]!, c);
      if (want === null) continue;
      const got = await outcome(field, c, real);
      if (got !== want) mismatches.push(`${field} with ${c.label}: expected ${want}, got ${got ?? 'let through'}`);
    }
  assert.deepEqual(await snapshot(), before, 'a refused call wrote something');
  // Then every call the table allows must get past the gate (it may still fail on its arguments).
  for (const field of Object.keys(ACCESS))
    for (const c of callers) {
      if (expected(ACCESS[field]!, c) !== null) continue;
      const ids = DESTRUCTIVE.has(field)
        ? {
            ...real,
            experiment: randomUUID(),
            run: randomUUID(),
            artifact: randomUUID(),
            view: randomUUID(),
            apiKey: randomUUID(),
          }
        : real;
      const got = await outcome(field, c, ids);
      if (got !== null) mismatches.push(`${field} with ${c.label}: expected to be let through, got ${got}`);
    }
  assert.deepEqual(mismatches, []);
});

/** MLflow's routes: the same scopes as the GraphQL fields that do the same (modules/mlflow/access.ts). */
const MLFLOW: Record<string, [Scope, 'GET' | 'POST', (i: Ids) => Record<string, unknown>]> = {
  'experiments/create': ['LOG', 'POST', () => ({ name: `m-${randomUUID().slice(0, 6)}` })],
  'experiments/get': ['READ', 'GET', (i) => ({ experiment_id: i.experiment })],
  'experiments/get-by-name': ['READ', 'GET', (i) => ({ experiment_name: i.experimentName })],
  'experiments/search': ['READ', 'POST', () => ({ max_results: 10 })],
  'experiments/update': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment, new_name: i.experimentName })],
  'experiments/delete': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment })],
  'experiments/restore': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment })],
  'experiments/set-experiment-tag': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment, key: 'k', value: 'v' })],
  'experiments/delete-experiment-tag': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment, key: 'k' })],
  'runs/create': ['LOG', 'POST', (i) => ({ experiment_id: i.experiment })],
  'runs/get': ['READ', 'GET', (i) => ({ run_id: i.run })],
  'runs/update': ['LOG', 'POST', (i) => ({ run_id: i.run, status: 'RUNNING' })],
  'runs/delete': ['LOG', 'POST', (i) => ({ run_id: i.run })],
  'runs/restore': ['LOG', 'POST', (i) => ({ run_id: i.run })],
  'runs/search': ['READ', 'POST', (i) => ({ experiment_ids: [i.experiment] })],
  'runs/log-metric': ['LOG', 'POST', (i) => ({ run_id: i.run, key: 'loss', value: 1, timestamp: 1, step: 50 })],
  'runs/log-parameter': ['LOG', 'POST', (i) => ({ run_id: i.run, key: 'p', value: '1' })],
  'runs/log-batch': [
    'LOG',
    'POST',
    (i) => ({ run_id: i.run, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 51 }] }),
  ],
  'runs/set-tag': ['LOG', 'POST', (i) => ({ run_id: i.run, key: 'k', value: 'v' })],
  'runs/delete-tag': ['LOG', 'POST', (i) => ({ run_id: i.run, key: 'k' })],
  'runs/log-inputs': [
    'LOG',
    'POST',
    (i) => ({ run_id: i.run, datasets: [{ dataset: { name: 'd', digest: '1', source_type: 'code', source: '{}' } }] }),
  ],
  'runs/log-model': [
    'LOG',
    'POST',
    (i) => ({
      run_id: i.run,
      model_json: JSON.stringify({ run_id: i.run, artifact_path: 'm', utc_time_created: 't', flavors: {} }),
    }),
  ],
  'metrics/get-history': ['READ', 'GET', (i) => ({ run_id: i.run, metric_key: 'loss' })],
  'artifacts/list': ['READ', 'GET', (i) => ({ run_id: i.run })],
};

type MlOutcome = 'UNAUTHENTICATED' | 'SCOPE' | 'EXPERIMENT' | null;

function mlOutcome(r: { status: number; body: any }): MlOutcome {
  if (r.status === 401 && r.body?.error_code === 'UNAUTHENTICATED') return 'UNAUTHENTICATED';
  if (r.status === 403 && r.body?.error_code === 'PERMISSION_DENIED')
    return /needs? an API key with the \w+ scope/.test(r.body.message) ? 'SCOPE' : 'EXPERIMENT';
  return null;
}

test('every MLflow route and artifact transfer with every kind of key', async () => {
  assert.deepEqual(Object.keys(MLFLOW).sort(), Object.keys(mlflowAccess).sort(), 'every MLflow route is in the table');
  const mismatches: string[] = [];
  const limitOf = (endpoint: string): Limit => (endpoint === 'experiments/search' ? 'filter' : 'target');
  const call = async (c: Caller, endpoint: string, ids: Ids) => {
    const [, method, args] = MLFLOW[endpoint]!;
    const ml = mlflowClient(s.url, c.key);
    const a = args(ids);
    return method === 'GET'
      ? ml.get(endpoint, Object.fromEntries(Object.entries(a).map(([k, v]) => [k, String(v)])))
      : ml.post(endpoint, a);
  };
  const transfers: [string, Scope, (c: Caller) => Promise<{ status: number; body: any }>][] = [
    ['upload', 'LOG', (c) => mlflowClient(s.url, c.key).put(`${real.experiment}/${real.run}/artifacts/t.txt`, 'x')],
    [
      'list',
      'READ',
      async (c) => {
        const r = await fetch(
          `${s.url.replace(/\/graphql$/, '')}/api/2.0/mlflow-artifacts/artifacts?path=${real.experiment}/${real.run}/artifacts`,
          { headers: c.key ? { authorization: `Bearer ${c.key}` } : {} },
        );
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : null };
      },
    ],
  ];
  const before = await snapshot();
  for (const endpoint of Object.keys(MLFLOW))
    for (const c of callers) {
      const want = expected([MLFLOW[endpoint]![0], limitOf(endpoint)], c);
      if (want === null) continue;
      const got = mlOutcome(await call(c, endpoint, real));
      if (got !== want) mismatches.push(`${endpoint} with ${c.label}: expected ${want}, got ${got ?? 'let through'}`);
    }
  for (const [name, scope, send] of transfers)
    for (const c of callers) {
      const want = expected([scope, 'target'], c);
      if (want === null) continue;
      const got = mlOutcome(await send(c));
      if (got !== want)
        mismatches.push(`artifacts ${name} with ${c.label}: expected ${want}, got ${got ?? 'let through'}`);
    }
  assert.deepEqual(await snapshot(), before, 'a refused MLflow call wrote something');
  for (const endpoint of Object.keys(MLFLOW))
    for (const c of callers) {
      if (expected([MLFLOW[endpoint]![0], limitOf(endpoint)], c) !== null) continue;
      const got = mlOutcome(await call(c, endpoint, real));
      if (got !== null) mismatches.push(`${endpoint} with ${c.label}: expected to be let through, got ${got}`);
    }
  assert.deepEqual(mismatches, []);
});
