// The Python client's contract with scripts and agents: failures are recorded with their traceback, keys come
// only from the environment or a private file (never argv), an agent-launched process attaches to its run,
// Api().runs() equals the GraphQL answer as a DataFrame, and `pip install ./python` works offline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { assertOk, CLIENT_DIR, PYTHON, type PyResult, runPython } from './helpers.ts';

const exec = promisify(execFile);
let s: TestServer;
let journalDir: string;
before(async () => {
  s = await startTestServer();
  journalDir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
});
after(() => s?.close());

const py = (code: string, env: Record<string, string | undefined> = {}, extra = {}) =>
  runPython(code, { env: { RUNBOARD_API: s.url, RUNBOARD_JOURNAL_DIR: journalDir, ...env }, ...extra });

async function runsOf(experiment: string) {
  const { runs } = await s.gql(
    `query($e: String!) { runs(filter: { experimentName: $e }) { nodes { id name status errorMessage exitCode config tags } } }`,
    { e: experiment },
  );
  return runs.nodes;
}

test('an exception inside `with` marks the run FAILED with its traceback and still propagates', async () => {
  const r = await py(`
import runboard
def train():
    raise ValueError("loss exploded at step 3")
with runboard.init(experiment="fails-in-with") as run:
    run.log({"loss": 1.0}, step=0)
    train()
`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ValueError: loss exploded at step 3/);
  const [run] = await runsOf('fails-in-with');
  assert.equal(run.status, 'FAILED');
  assert.equal(run.exitCode, 1);
  assert.match(
    run.errorMessage,
    /^Traceback \(most recent call last\):\n.*in train\n.*ValueError: loss exploded at step 3\n$/s,
  );
});

test('an unhandled exception outside `with` (sys.excepthook) marks the run FAILED; a normal exit FINISHED', async () => {
  const r = await py(`
import runboard
run = runboard.init(experiment="fails-unhandled")
run.log({"loss": 1.0})
{}["missing"]
`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /KeyError: 'missing'/, 'the original traceback is still printed');
  const [failed] = await runsOf('fails-unhandled');
  assert.equal(failed.status, 'FAILED');
  assert.match(failed.errorMessage, /KeyError: 'missing'/);
  const two = assertOk(
    await py(`
import runboard
first = runboard.init(experiment="exits-normally")
first.log({"loss": 0.5})
runboard.init(experiment="exits-normally").log({"loss": 0.25})
print(first.finished)
`),
  );
  assert.equal(two.stdout.trim(), 'True', 'a second init() finished the first run');
  const both = await runsOf('exits-normally');
  assert.deepEqual(
    both.map((r: { status: string }) => r.status),
    ['FINISHED', 'FINISHED'],
    'atexit finished the second',
  );
  const exit3 = await py(`import runboard, sys\nwith runboard.init(experiment="sys-exit"):\n    sys.exit(3)`);
  assert.equal(exit3.code, 3);
  const [exited] = await runsOf('sys-exit');
  assert.deepEqual([exited.status, exited.exitCode], ['FAILED', 3]);
});

test('flush_interval / RUNBOARD_FLUSH_SECONDS: points pile up into fewer requests; a bad value fails at init', async () => {
  // 20 steps over ~1 s: at 0.2 s that is several logMetrics batches (each bumps the run's seq); with 30 s the
  // sender waits for finish(), which sends them all at once.
  const script = (experiment: string) => `
import time, runboard
run = runboard.init(experiment="${experiment}")
for step in range(20):
    run.log({"loss": 1 / (step + 1)}, step=step)
    time.sleep(0.05)
run.finish()
`;
  const seqOf = async (experiment: string) => {
    const [run] = await runsOf(experiment);
    const { run: r } = await s.gql(`query($id: ID!) { run(id: $id) { seq status metrics { key count } } }`, {
      id: run.id,
    });
    assert.equal(r.status, 'FINISHED');
    assert.deepEqual(r.metrics, [{ key: 'loss', count: 20 }]);
    return r.seq;
  };
  assertOk(await py(script('flush-default')));
  assertOk(await py(script('flush-30s'), { RUNBOARD_FLUSH_SECONDS: '30' }));
  const [often, once] = [await seqOf('flush-default'), await seqOf('flush-30s')];
  // created, started, one batch, finished
  assert.equal(once, 4, `seq with a 30 s flush interval: ${once}`);
  assert.ok(often > once, `seq with the default 0.2 s: ${often}`);
  for (const bad of ['0', '-1', 'soon', 'nan', '61']) {
    const r = await py(`import runboard\nrunboard.init(experiment="flush-bad")`, { RUNBOARD_FLUSH_SECONDS: bad });
    assert.equal(r.code, 1, bad);
    assert.match(r.stderr, /RUNBOARD_FLUSH_SECONDS must be 0 < seconds <= 60/);
  }
  assert.deepEqual(await runsOf('flush-bad'), []);
});

test('bad input fails at the call, not later in the background', async () => {
  const r = assertOk(
    await py(`
import runboard
run = runboard.init(experiment="bad-input")
for bad, kw in [({"loss": "high"}, {}), ({"": 1.0}, {}), ({"a\\nb": 1.0}, {}), ({"loss": 1.0}, {"step": -1}),
                ({"loss": 1.0}, {"step": 2**31}), ([1.0], {})]:
    try:
        run.log(bad, **kw)
        print("accepted", bad, kw)
    except (TypeError, ValueError) as e:
        print(type(e).__name__)
try:
    run.summary["x"] = 1
except TypeError as e:
    print("summary", e)
run.log({"loss": 2.0})
run.finish()
print(dict(run.summary))
`),
  );
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'TypeError',
    'ValueError',
    'ValueError',
    'ValueError',
    'ValueError',
    'TypeError',
    'summary run.summary is read-only: it shows the last value of each key; store one with run.log()',
    "{'loss': 2.0}",
  ]);
});

test('keys: a group-readable key file is refused; a 0600 one works; the key never appears in argv', async () => {
  const key = 'py-client-secret-key-0123456789';
  const authed = await startTestServer({ apiKey: key });
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-key-'));
    const file = path.join(dir, 'key');
    await writeFile(file, `${key}\n`);
    await chmod(file, 0o640);
    const env = { RUNBOARD_API: authed.url, RUNBOARD_API_KEY_FILE: file, RUNBOARD_API_KEY: undefined };
    const refused = await py(`import runboard\nrunboard.init(experiment="keyed")`, env);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /SettingsError: runboard: RUNBOARD_API_KEY_FILE .* is accessible by group\/others \(mode 640\); run `chmod 600/,
    );

    const wrong = await py(`import runboard\nrunboard.init(experiment="keyed")`, {
      RUNBOARD_API: authed.url,
      RUNBOARD_API_KEY: 'not-the-key-at-all',
    });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /ApiError: UNAUTHENTICATED/, 'a refused key fails init() loudly, not in the background');

    await chmod(file, 0o600);
    const stop = path.join(dir, 'stop');
    let cmdline = '';
    let environ = '';
    const r = await py(
      `
import os, time, runboard
with runboard.init(experiment="keyed") as run:
    run.log({"loss": 0.25}, step=0)
    print("ready", flush=True)
    while not os.path.exists(${JSON.stringify(stop)}):
        time.sleep(0.05)
`,
      env,
      {
        onSpawn: (child: { pid?: number }) => {
          void (async () => {
            await waitFor(async () => (await readFile(`/proc/${child.pid}/status`, 'utf8')).length > 0);
            await waitFor(async () => {
              cmdline = await readFile(`/proc/${child.pid}/cmdline`, 'utf8');
              environ = await readFile(`/proc/${child.pid}/environ`, 'utf8');
              return (await runsOf2(authed, 'keyed')).length > 0;
            });
            await writeFile(stop, '');
          })();
        },
      },
    );
    assertOk(r);
    assert.equal(cmdline.split('\0')[0], PYTHON);
    assert.ok(cmdline.length > 0 && !cmdline.includes(key), `argv: ${cmdline.split('\0').join(' ')}`);
    assert.ok(environ.includes(`RUNBOARD_API_KEY_FILE=${file}`) && !environ.includes(key), 'the key stays in its file');
    const [run] = await runsOf2(authed, 'keyed');
    assert.equal(run?.status, 'FINISHED');
  } finally {
    await authed.close();
  }
});

async function runsOf2(server: TestServer, experiment: string) {
  const { runs } = await server.gql(
    `query($e: String!) { runs(filter: { experimentName: $e }) { nodes { id status } } }`,
    { e: experiment },
  );
  return runs.nodes as Array<{ id: string; status: string }>;
}

test('launched by an agent: attaches to RUNBOARD_RUN_ID with RUNBOARD_CONFIG over the script defaults', async () => {
  const { createRun } = await s.gql(
    `mutation { createRun(input: { experimentName: "launched", name: "sweep-1", config: { lr: 0.5 } }) { id } }`,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-launch-'));
  const configFile = path.join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify({ lr: 0.5, note: '"; rm -rf /' }));
  // the snippet of docs/python.md's "Under an agent", then what a script does next
  const doc = readFileSync('docs/python.md', 'utf8');
  const snippet = /## Under an agent[\s\S]*?```python\n([\s\S]*?)```/.exec(doc)![1]!;
  const r = assertOk(
    await py(
      `${snippet}
import json
assert lr == run.config["lr"]
run.log({"loss": lr}, step=0)
run.finish()
print(json.dumps({"id": run.id, "name": run.name, "config": run.config}))
`,
      {
        RUNBOARD_API: undefined,
        RUNBOARD_SERVER: s.url, // what agents set today
        RUNBOARD_RUN_ID: createRun.id,
        RUNBOARD_CONFIG: configFile,
      },
    ),
  );
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out, { id: createRun.id, name: 'sweep-1', config: { lr: 0.5, batch: 64, note: '"; rm -rf /' } });
  assert.deepEqual(await runsOf('fashion-mnist'), [], 'no second run');
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status systemInfo history(key: "loss") { step value } } }`,
    { id: createRun.id },
  );
  assert.equal(run.status, 'FINISHED');
  assert.equal(run.systemInfo.client, 'runboard-python');
  assert.deepEqual(run.history, [{ step: 0, value: 0.5 }]);
});

/** The rows Api().runs() documents, built here from a GraphQL answer: what the DataFrame must equal. */
function rowsFromGraphQL(nodes: any[]) {
  const flat = (v: unknown, prefix: string, out: Record<string, unknown>) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, x] of Object.entries(v)) flat(x, `${prefix}.${k}`, out);
    } else out[prefix] = v;
    return out;
  };
  return nodes.map((n) => {
    const row: Record<string, unknown> = {
      id: n.id,
      name: n.name,
      experiment: n.experiment.name,
      status: n.status,
      tags: n.tags,
      createdAt: n.createdAt,
      startedAt: n.startedAt,
      finishedAt: n.finishedAt,
    };
    for (const [k, v] of Object.entries(n.config)) flat(v, `config.${k}`, row);
    for (const m of n.metrics) row[`metrics.${m.key}`] = m.lastValue;
    return row;
  });
}

test('Api().runs(where=..., order_by=...) is a DataFrame equal to the GraphQL answer', async () => {
  assertOk(
    await py(`
import runboard
for i, (lr, acc) in enumerate([(1e-5, 0.95), (5e-5, 0.91), (2e-4, 0.97), (1e-5, 0.5), (3e-5, float("nan"))]):
    with runboard.init(experiment="api-df", config={"lr": lr, "opt": {"name": "adam", "beta": 0.9}}, name=f"r{i}", tags=["t"]) as run:
        run.log({"val_acc": acc / 2, "loss": 1.0}, step=0)
        run.log({"val_acc": acc}, step=1)
`),
  );
  const where = 'config.lr < 1e-4 AND metrics.val_acc > 0.9';
  const r = assertOk(
    await py(`
import json, sys, runboard, pandas
api = runboard.Api()
df = api.runs("api-df", where=${JSON.stringify(where)}, order_by=["-metrics.val_acc", "name"])
assert isinstance(df, pandas.DataFrame), type(df)
print(df.to_json(orient="records"))
sys.modules["pandas"] = None  # as on a machine without pandas
print(json.dumps(api.runs("api-df", where=${JSON.stringify(where)}, order_by="metrics.val_acc DESC")))
hist = api.run(df["id"][0]).history()
print(json.dumps(hist))
by_name = api.runs("api-df", order_by="name", as_frame=False)
print(json.dumps(api.compare([row["id"] for row in by_name[:2]], keys=["val_acc"])))
`),
  );
  const [frame, list, hist, compared] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const { runs } = await s.gql(
    `query($w: String!) { runs(filter: { experimentName: "api-df", where: $w },
        orderBy: [{ field: "metrics.val_acc", direction: DESC }, { field: "name" }]) {
      nodes { id name status tags config createdAt startedAt finishedAt experiment { name } metrics { key lastValue } } } }`,
    { w: where },
  );
  const expected = rowsFromGraphQL(runs.nodes);
  assert.deepEqual(
    expected.map((x) => x.name),
    ['r0', 'r1'],
  );
  assert.deepEqual(frame, expected, 'DataFrame rows equal the GraphQL answer');
  assert.deepEqual(list, expected, 'without pandas: the same rows as a list of dicts');
  assert.deepEqual(hist, [
    { step: 0, loss: 1.0, val_acc: 0.475 },
    { step: 1, loss: null, val_acc: 0.95 },
  ]);
  // compare(): the config that differs and each run's final and best value (val_acc: larger is better)
  assert.deepEqual(
    compared.map((c: Record<string, unknown>) => [c.name, c['config.lr'], c['val_acc.final'], c['val_acc.best']]),
    [
      ['r0', 1e-5, 0.95, 0.95],
      ['r1', 5e-5, 0.91, 0.91],
    ],
  );
  const bad = await py(`import runboard\nrunboard.Api().runs("api-df", where="config.lr <")`);
  assert.match(bad.stderr, /ApiError: INVALID_FILTER/);
});

test('pip install ./python works offline into a fresh target and the installed package logs', async () => {
  const target = await mkdtemp(path.join(os.tmpdir(), 'rb-pip-'));
  await exec(PYTHON, ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', '--target', target, CLIENT_DIR], {
    env: { ...process.env, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  const r: PyResult = assertOk(
    await runPython(
      `
import runboard
assert runboard.__file__.startswith(${JSON.stringify(target)}), runboard.__file__
with runboard.init(experiment="pip-installed") as run:
    run.log({"loss": 0.125}, step=0)
print(runboard.__version__)
`,
      { env: { PYTHONPATH: target, RUNBOARD_API: s.url, RUNBOARD_JOURNAL_DIR: journalDir } },
    ),
  );
  assert.equal(r.stdout.trim(), '0.1.0');
  const [run] = await runsOf('pip-installed');
  assert.equal(run.status, 'FINISHED');
});
