import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gqlRequest } from '@runboard/test-kit/gql';
import { type MlflowClient, mlflowClient } from '@runboard/test-kit/mlflow';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import pg from 'pg';
import { assertOk, runPython } from '../python/helpers.ts';

/**
 * runs/log-inputs (mlflow.log_input, autolog's datasets) and runs/log-model (log_model's `mlflow.log-model.history`
 * tag), with the JSON MLflow 2.x's RestStore sends (mlflow/store/tracking/rest_store.py: LogInputs with
 * DatasetInput.to_proto(), LogModel with model_json = json.dumps(Model.get_tags_dict())), MLflow's limits and
 * error codes, all-or-nothing writes (a trigger on this test's own database refuses the last statement), keys
 * and scopes, and the same calls from Debian's /usr/bin/python3 through urllib as MLflow's client makes them.
 */
const ADMIN = 'admin-key-for-mlflow-inputs-0123456789';
let server: TestServer;
let ml: MlflowClient;
let db: pg.Client;
let experimentId = '';

before(async () => {
  server = await startTestServer({ apiKey: ADMIN });
  ml = mlflowClient(server.url, ADMIN);
  db = new pg.Client({ connectionString: server.database.url });
  await db.connect();
  await db.query(`
    CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault in %', TG_TABLE_NAME; END $$;
    CREATE TRIGGER fault_on_input BEFORE INSERT ON mlflow_run_inputs FOR EACH ROW
      WHEN (NEW.tags @> '[{"key": "fault"}]') EXECUTE FUNCTION injected_fault();`);
  experimentId = (await ml.post('experiments/create', { name: 'inputs' })).body.experiment_id;
});
after(async () => {
  await db.end();
  await server.close();
});

const newRun = async (name = 'r') =>
  (await ml.post('runs/create', { experiment_id: experimentId, run_name: name })).body.run.info.run_id as string;

/** What mlflow.data.from_pandas(df, source="data/train.csv") + log_input(ds, context="training") sends. */
const TRAIN = {
  tags: [{ key: 'mlflow.data.context', value: 'training' }],
  dataset: {
    name: 'train',
    digest: '3c1d9a8e',
    source_type: 'local',
    source: '{"uri": "data/train.csv"}',
    schema: '{"mlflow_colspec": [{"type": "double", "name": "x", "required": true}]}',
    profile: '{"num_rows": 3, "num_elements": 6}',
  },
};
const EVAL = {
  tags: [{ key: 'mlflow.data.context', value: 'eval' }],
  dataset: { name: 'eval', digest: '77aa01bc', source_type: 'code', source: '{}' },
};

const count = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

test('log_input: runs/get and runs/search return inputs.dataset_inputs as MLflow does', async () => {
  const id = await newRun('with-data');
  const empty = (await ml.get('runs/get', { run_id: id })).body.run;
  assert.deepEqual(empty.inputs, {});
  const r = await ml.post('runs/log-inputs', { run_id: id, datasets: [TRAIN, EVAL] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {});
  const got = (await ml.get('runs/get', { run_id: id })).body.run;
  assert.deepEqual(got.inputs, { dataset_inputs: [TRAIN, EVAL] });
  const found = await ml.post('runs/search', {
    experiment_ids: [experimentId],
    filter: "attributes.run_name = 'with-data'",
  });
  assert.deepEqual(found.body.runs[0].inputs, { dataset_inputs: [TRAIN, EVAL] });

  // The same (name, digest) again, even with another context, is the input the run already has (MLflow's store).
  const again = { ...TRAIN, tags: [{ key: 'mlflow.data.context', value: 'testing' }] };
  assert.equal((await ml.post('runs/log-inputs', { run_id: id, datasets: [again] })).status, 200);
  assert.deepEqual((await ml.get('runs/get', { run_id: id })).body.run.inputs.dataset_inputs, [TRAIN, EVAL]);

  // Another run of the experiment reuses the dataset row unchanged; within one request the first of a pair wins.
  const other = await newRun('reuses');
  const changed = { tags: [], dataset: { ...TRAIN.dataset, source: '{"uri": "elsewhere.csv"}' } };
  const ok = await ml.post('runs/log-inputs', { run_id: other, datasets: [changed, TRAIN] });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual((await ml.get('runs/get', { run_id: other })).body.run.inputs, {
    dataset_inputs: [{ dataset: TRAIN.dataset }],
  });
  const rows = await db.query(`SELECT name FROM mlflow_datasets WHERE experiment_id = $1 ORDER BY name`, [
    experimentId,
  ]);
  assert.deepEqual(
    rows.rows.map((x) => x.name),
    ['eval', 'train'],
  );
  // An ended run still takes inputs, as in MLflow; no datasets at all is a no-op.
  await ml.post('runs/update', { run_id: other, status: 'FINISHED' });
  assert.equal((await ml.post('runs/log-inputs', { run_id: other, datasets: [EVAL] })).status, 200);
  assert.equal((await ml.post('runs/log-inputs', { run_id: other })).status, 200);
  assert.equal((await ml.get('runs/get', { run_id: other })).body.run.inputs.dataset_inputs.length, 2);
});

test('runs/search filters on datasets.name, datasets.digest and datasets.context', async () => {
  const exp = (await ml.post('experiments/create', { name: 'dataset-search' })).body.experiment_id;
  const make = async (name: string, datasets: unknown[]) => {
    const id = (await ml.post('runs/create', { experiment_id: exp, run_name: name })).body.run.info.run_id;
    if (datasets.length) await ml.post('runs/log-inputs', { run_id: id, datasets });
  };
  await make('train-and-eval', [TRAIN, EVAL]);
  await make('eval-only', [EVAL]);
  await make('none', []);
  const names = async (filter: string) => {
    const r = await ml.post('runs/search', { experiment_ids: [exp], filter, order_by: ['attributes.run_name'] });
    assert.equal(r.status, 200, `${filter}: ${JSON.stringify(r.body)}`);
    return (r.body.runs ?? []).map((x: any) => x.info.run_name);
  };
  assert.deepEqual(await names("datasets.name = 'train'"), ['train-and-eval']);
  assert.deepEqual(await names("datasets.name IN ('train', 'eval')"), ['eval-only', 'train-and-eval']);
  assert.deepEqual(await names("dataset.digest = '77aa01bc'"), ['eval-only', 'train-and-eval']);
  assert.deepEqual(await names("datasets.context = 'training'"), ['train-and-eval']);
  assert.deepEqual(await names("datasets.context LIKE 'ev%' and attributes.run_name != 'eval-only'"), [
    'train-and-eval',
  ]);
  // As for tags (and MLflow's joins): NOT IN needs inputs, none of them named so.
  assert.deepEqual(await names("datasets.name NOT IN ('train')"), ['eval-only']);
  for (const bad of ["datasets.source = 'x'", 'datasets.name > 1']) {
    const r = await ml.post('runs/search', { experiment_ids: [exp], filter: bad });
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', bad);
  }
  const order = await ml.post('runs/search', { experiment_ids: [exp], order_by: ['datasets.status'] });
  assert.equal(order.body.error_code, 'INVALID_PARAMETER_VALUE');
});

test('log-inputs: MLflow limits and required fields are INVALID_PARAMETER_VALUE, and nothing is written', async () => {
  const id = await newRun('limits');
  const [datasets, inputs] = [await count('mlflow_datasets'), await count('mlflow_run_inputs')];
  const ds = (over: Record<string, unknown>, tags: unknown[] = []) => ({
    tags,
    dataset: { ...EVAL.dataset, name: 'fine', ...over },
  });
  const cases: [string, unknown[] | unknown, RegExp][] = [
    ['long name', [ds({ name: 'n'.repeat(501) })], /'name' exceeds the maximum length of 500 characters/],
    ['long digest', [ds({ digest: 'd'.repeat(37) })], /'digest' exceeds the maximum length of 36/],
    ['long source', [ds({ source: 's'.repeat(65_536) })], /'source' exceeds the maximum length of 65535/],
    ['long schema', [ds({ schema: 's'.repeat(1_048_576) })], /'schema' exceeds the maximum length of 1048575/],
    ['no source', [ds({ source: undefined })], /Dataset source cannot be None/],
    ['no dataset', [{ tags: [] }], /Dataset cannot be None/],
    ['number name', [ds({ name: 5 })], /expected a string/],
    ['long tag value', [ds({}, [{ key: 'k', value: 'v'.repeat(501) }])], /'value' exceeds the maximum length of 500/],
    ['long tag key', [ds({}, [{ key: 'k'.repeat(256), value: 'v' }])], /'key' exceeds the maximum length of 255/],
    ['tag without value', [ds({}, [{ key: 'k' }])], /InputTag value cannot be None/],
    [
      'duplicate tag',
      [
        ds({}, [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ]),
      ],
      /Duplicate input tag key/,
    ],
    ['1001 datasets', Array.from({ length: 1001 }, (_, i) => ds({ name: `d${i}` })), /at most 1000/],
    ['datasets not a list of objects', ['x'], /list of objects/],
  ];
  for (const [what, list, message] of cases) {
    // A valid dataset first: the refusal of a later one must not leave it behind.
    const r = await ml.post('runs/log-inputs', { run_id: id, datasets: [ds({ name: 'first' }), ...(list as [])] });
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE', what);
    assert.match(r.body.message, message, what);
  }
  const models = await ml.post('runs/log-inputs', { run_id: id, models: [{ model_id: 'm-1' }] });
  assert.equal(models.body.error_code, 'INVALID_PARAMETER_VALUE');
  const noRun = await ml.post('runs/log-inputs', { datasets: [TRAIN] });
  assert.equal(noRun.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.match(noRun.body.message, /run_id/);
  const unknown = await ml.post('runs/log-inputs', {
    run_id: '00000000-0000-4000-8000-000000000000',
    datasets: [TRAIN],
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  assert.deepEqual([await count('mlflow_datasets'), await count('mlflow_run_inputs')], [datasets, inputs]);
});

test('log-inputs is one transaction: a fault on its last statement leaves no dataset behind', async () => {
  const id = await newRun('faulty');
  const before = await count('mlflow_datasets');
  const fresh = { tags: [{ key: 'fault', value: 'x' }], dataset: { ...EVAL.dataset, name: 'never-stored' } };
  const r = await ml.post('runs/log-inputs', { run_id: id, datasets: [fresh] });
  assert.equal(r.status, 500, JSON.stringify(r.body));
  assert.equal(r.body.error_code, 'INTERNAL_ERROR');
  assert.equal(await count('mlflow_datasets'), before);
  assert.deepEqual((await ml.get('runs/get', { run_id: id })).body.run.inputs, {});
  // Deleted runs take no inputs.
  await ml.post('runs/delete', { run_id: id });
  const deleted = await ml.post('runs/log-inputs', { run_id: id, datasets: [TRAIN] });
  assert.equal(deleted.body.error_code, 'INVALID_PARAMETER_VALUE');
});

/** Model.get_tags_dict() of an sklearn model as MLflow 2.x's log_model sends it (a pyfunc flavor with a config). */
const modelJson = (runId: string, path: string) =>
  JSON.stringify({
    run_id: runId,
    artifact_path: path,
    utc_time_created: '2026-12-06 10:00:00.000000',
    model_uuid: `uuid-${path}`,
    flavors: {
      python_function: { loader_module: 'mlflow.sklearn', python_version: '3.11.2', env: { conda: 'conda.yaml' } },
      sklearn: { pickled_model: 'model.pkl', sklearn_version: '1.5.0', config: { threads: 4 } },
    },
  });

const historyOf = async (runId: string) => {
  const tags = (await ml.get('runs/get', { run_id: runId })).body.run.data.tags as { key: string; value: string }[];
  return tags.find((t) => t.key === 'mlflow.log-model.history')?.value;
};

test('log_model appends to mlflow.log-model.history as MLflow writes it', async () => {
  const id = await newRun('models');
  const r = await ml.post('runs/log-model', { run_id: id, model_json: modelJson(id, 'model') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {});
  const entry = (path: string) =>
    `{"run_id": "${id}", "artifact_path": "${path}", "utc_time_created": "2026-12-06 10:00:00.000000", ` +
    `"model_uuid": "uuid-${path}", "flavors": {"python_function": {"loader_module": "mlflow.sklearn", ` +
    `"python_version": "3.11.2", "env": {"conda": "conda.yaml"}}, "sklearn": {"pickled_model": "model.pkl", ` +
    `"sklearn_version": "1.5.0"}}}`;
  // json.dumps of the list, the flavor's `config` left out (Model.get_tags_dict on the server).
  assert.equal(await historyOf(id), `[${entry('model')}]`);
  assert.equal((await ml.post('runs/log-model', { run_id: id, model_json: modelJson(id, 'best') })).status, 200);
  assert.equal(await historyOf(id), `[${entry('model')}, ${entry('best')}]`);
  // Searchable as any tag.
  const hits = await ml.post('runs/search', {
    experiment_ids: [experimentId],
    filter: `tags."mlflow.log-model.history" LIKE '%best%'`,
  });
  assert.deepEqual(
    hits.body.runs.map((x: any) => x.info.run_id),
    [id],
  );
  // Model.from_dict on MLflow's server: no model_uuid is None (null), flavors null is {}, and a null or empty
  // utc_time_created is the server's clock as Python's str(datetime.utcnow()) writes it.
  const bare = await newRun('bare-model');
  const before = Date.now();
  for (const utc_time_created of [null, '']) {
    const m = { run_id: bare, artifact_path: 'm', utc_time_created, flavors: null };
    const r = await ml.post('runs/log-model', { run_id: bare, model_json: JSON.stringify(m) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const bareHistory = (await historyOf(bare))!;
  assert.match(
    bareHistory,
    /^\[\{"run_id": "[-0-9a-f]{36}", "artifact_path": "m", "utc_time_created": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?", "model_uuid": null, "flavors": \{\}\}, \{.*\}\]$/,
  );
  for (const e of JSON.parse(bareHistory)) {
    assert.deepEqual(Object.keys(e), ['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors']);
    assert.equal(e.model_uuid, null);
    const at = Date.parse(`${e.utc_time_created.replace(' ', 'T')}Z`);
    assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= Date.now(), e.utc_time_created);
  }
});

test('concurrent log-model calls on one run all land, each once', async () => {
  const id = await newRun('concurrent-models');
  const paths = Array.from({ length: 12 }, (_, i) => `m${i}`);
  const answers = await Promise.all(
    paths.map((p) => ml.post('runs/log-model', { run_id: id, model_json: modelJson(id, p) })),
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    paths.map(() => 200),
  );
  const logged = JSON.parse((await historyOf(id))!).map((e: any) => e.artifact_path);
  assert.deepEqual([...logged].sort(), [...paths].sort());
});

test('log-model: malformed or oversize models are INVALID_PARAMETER_VALUE and the tag stays as it was', async () => {
  const id = await newRun('bad-models');
  await ml.post('runs/log-model', { run_id: id, model_json: modelJson(id, 'kept') });
  const kept = await historyOf(id);
  const huge = JSON.stringify({ ...JSON.parse(modelJson(id, 'huge')), artifact_path: 'p'.repeat(8000) });
  const cases: [unknown, RegExp][] = [
    ['not json', /Malformed model info/],
    ['[1, 2]', /Malformed model info/],
    [JSON.stringify({ run_id: id, flavors: {} }), /missing mandatory fields: \{'artifact_path', 'utc_time_created'\}/],
    [JSON.stringify({ run_id: id, artifact_path: 'a', utc_time_created: 't', flavors: [] }), /flavors/],
    [JSON.stringify({ run_id: id, artifact_path: 'a', utc_time_created: 5, flavors: {} }), /utc_time_created/],
    [huge, /exceeds the length limit of 8000/],
    [undefined, /model_json/],
    [42, /expected a string/],
  ];
  for (const [model_json, message] of cases) {
    const r = await ml.post('runs/log-model', { run_id: id, model_json });
    assert.equal(r.status, 400, `${model_json}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.body.message, message);
  }
  assert.equal(await historyOf(id), kept);
  // A tag someone overwrote with something that is not a JSON list is refused, not clobbered.
  await ml.post('runs/set-tag', { run_id: id, key: 'mlflow.log-model.history', value: 'free text' });
  const r = await ml.post('runs/log-model', { run_id: id, model_json: modelJson(id, 'x') });
  assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
  assert.equal(await historyOf(id), 'free text');
  // A first log-model that is refused leaves no tag at all behind.
  const fresh = await newRun('no-tag');
  await ml.post('runs/log-model', { run_id: fresh, model_json: huge });
  assert.equal(await historyOf(fresh), undefined);
});

test('a READ key or a key limited to another experiment is refused both, and nothing is written', async () => {
  const id = await newRun('guarded');
  const key = async (scopes: string[], experiments?: string[]) => {
    const r = await gqlRequest(
      server.url,
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`,
      { input: { name: `k-${scopes.join('-')}`, scopes, experiments } },
      ADMIN,
    );
    return r.data.createApiKey.key as string;
  };
  const before = [await count('mlflow_datasets'), await count('mlflow_run_inputs'), await count('run_tags')];
  for (const [label, k, message] of [
    ['READ', await key(['READ']), /needs an API key with the LOG scope/],
    ['limited', await key(['READ', 'LOG'], ['elsewhere']), /limited to some experiments/],
  ] as const) {
    const c = mlflowClient(server.url, k);
    for (const [endpoint, body] of [
      ['runs/log-inputs', { run_id: id, datasets: [TRAIN] }],
      ['runs/log-model', { run_id: id, model_json: modelJson(id, 'x') }],
    ] as const) {
      const r = await c.post(endpoint, body);
      assert.equal(r.status, 403, `${endpoint} with ${label}`);
      assert.equal(r.body.error_code, 'PERMISSION_DENIED', `${endpoint} with ${label}`);
      assert.match(r.body.message, message);
    }
  }
  assert.deepEqual([await count('mlflow_datasets'), await count('mlflow_run_inputs'), await count('run_tags')], before);
});

test('from Python: urllib calls as MLflow client makes them for log_input and log_model', async () => {
  const script = `
import json, os, urllib.request
BASE = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/"
HEADERS = {"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"], "Content-Type": "application/json"}
def call(endpoint, body=None, query=None):
    url = BASE + endpoint + ("?" + urllib.parse.urlencode(query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=HEADERS, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())
import urllib.parse
exp = call("experiments/get-by-name", query={"experiment_name": "inputs"})["experiment"]["experiment_id"]
run = call("runs/create", {"experiment_id": exp, "run_name": "py", "start_time": 1765000000000})["run"]["info"]
rid = run["run_id"]
# mlflow.log_input(mlflow.data.from_numpy(x, source="s3://b/x.npy"), context="training")
ds = {"name": "x", "digest": "a1b2c3d4", "source_type": "s3", "source": json.dumps({"uri": "s3://b/x.npy"}),
      "schema": json.dumps({"mlflow_tensorspec": {"features": "[]", "targets": None}}),
      "profile": json.dumps({"features_shape": [3, 2], "features_size": 6, "features_nbytes": 48})}
call("runs/log-inputs", {"run_id": rid, "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": ds}]})
# mlflow.pyfunc.log_model(...) -> record_logged_model: model_json = json.dumps(Model.get_tags_dict())
tags = {"run_id": rid, "artifact_path": "model", "utc_time_created": "2026-12-06 10:00:00.000000",
        "model_uuid": "0123abcd", "flavors": {"python_function": {"loader_module": "m", "config": {"k": 1}}}}
call("runs/log-model", {"run_id": rid, "model_json": json.dumps(tags)})
call("runs/log-model", {"run_id": rid, "model_json": json.dumps(dict(tags, artifact_path="model2", model_uuid="4567"))})
got = call("runs/get", query={"run_id": rid})["run"]
history = [t["value"] for t in got["data"]["tags"] if t["key"] == "mlflow.log-model.history"][0]
expected = [dict(tags, flavors={"python_function": {"loader_module": "m"}}),
            dict(tags, artifact_path="model2", model_uuid="4567", flavors={"python_function": {"loader_module": "m"}})]
assert json.loads(history) == expected, history
assert history == json.dumps(expected), history   # byte for byte what MLflow's server stores
assert got["inputs"] == {"dataset_inputs": [{"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": ds}]}, got["inputs"]
print(json.dumps({"run_id": rid}))
`;
  const r = assertOk(
    await runPython(script, {
      env: { MLFLOW_TRACKING_URI: ml.base, MLFLOW_TRACKING_TOKEN: ADMIN },
      timeoutMs: 120_000,
    }),
  );
  const { run_id } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  // What Python logged is in the database as Runboard's own rows.
  const rows = await db.query(
    `SELECT d.name, i.tags FROM mlflow_run_inputs i JOIN mlflow_datasets d ON d.id = i.dataset_id WHERE i.run_id = $1`,
    [run_id],
  );
  assert.deepEqual(rows.rows, [{ name: 'x', tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
});
