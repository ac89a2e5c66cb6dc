// runboard.keras.RunboardCallback driven by a stand-in for Keras. Keras itself cannot be installed here: there
// is no PyPI access and Debian has no python3-keras for this Python (checked below with apt-cache). The
// stand-in (test/python/fixtures/keras) calls callbacks the way Keras 3's fit() does; the script it runs is
// python/examples/keras_fit.py, shown verbatim in docs/keras.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { assertOk, CLIENT_DIR, runPython } from './helpers.ts';

const STANDIN = path.resolve('test/python/fixtures');
let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

test('Keras is not installable here, which is why a stand-in drives the callback', async () => {
  const policy = execFileSync('apt-cache', ['policy', 'python3-keras'], { encoding: 'utf8' });
  assert.doesNotMatch(policy, /Candidate: \d/, `Debian offers python3-keras now; use it instead:\n${policy}`);
  const r = await runPython('import keras', { env: { PYTHONPATH: CLIENT_DIR } });
  assert.notEqual(r.code, 0, 'the real keras is importable: test against it instead');
  assert.match(r.stderr, /No module named 'keras'/);
});

test('docs/keras.md shows python/examples/keras_fit.py verbatim', () => {
  const doc = readFileSync('docs/keras.md', 'utf8');
  assert.ok(doc.includes(`\`\`\`python\n${readFileSync('python/examples/keras_fit.py', 'utf8')}\`\`\``));
});

test('model.fit with RunboardCallback: optimizer settings, summary and every epoch reach the run', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-keras-'));
  const calls = path.join(dir, 'calls.jsonl');
  const r = assertOk(
    await runPython(readFileSync('python/examples/keras_fit.py', 'utf8'), {
      env: {
        PYTHONPATH: `${CLIENT_DIR}:${STANDIN}`,
        RUNBOARD_API: s.url,
        RUNBOARD_JOURNAL_DIR: dir,
        STANDIN_KERAS_LOG: calls,
      },
    }),
  );
  const events = (await readFile(calls, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const epochs = events.filter((e) => e.event === 'on_epoch_end');
  assert.equal(epochs.length, 3);
  // no batch hooks claimed: tf.keras 2 skips them, Keras 3 keeps dispatching batches asynchronously
  assert.deepEqual(events[0], { event: 'callback_list', async_train: true, batch_hooks: false });

  const { runs } = await s.gql(
    `{ runs(filter: { experimentName: "keras-demo" }) { nodes { id status config systemInfo metrics { key } } } }`,
  );
  assert.equal(runs.nodes.length, 1, r.stderr);
  const run = runs.nodes[0];
  assert.equal(run.status, 'FINISHED', 'finished at exit (atexit): the script never calls finish()');
  assert.deepEqual(run.config, { lr: 1e-3, epochs: 3 });
  const keras = run.systemInfo.keras;
  assert.equal(keras.optimizer.name, 'adam');
  assert.equal(keras.optimizer.learning_rate, Math.fround(1e-3), 'numpy float32 learning rate, as a number');
  assert.equal(keras.optimizer.beta_1, 0.9);
  assert.equal(keras.optimizer.weight_decay, null);
  assert.deepEqual(keras.params, { verbose: 0, epochs: 3, steps: 6 });
  assert.match(keras.summary, /^Model: "sequential"\n.*units=16\n.*units=1\nTotal params: 9$/s);

  const keys = ['accuracy', 'loss', 'val_accuracy', 'val_loss'];
  assert.deepEqual(
    run.metrics.map((m: { key: string }) => m.key),
    keys,
  );
  const { run: h } = await s.gql(
    `query($id: ID!) { run(id: $id) { ${keys.map((k) => `${k}: history(key: "${k}", first: 10) { step value }`).join(' ')} } }`,
    { id: run.id },
  );
  for (const k of keys)
    assert.deepEqual(
      h[k],
      epochs.map((e) => ({ step: e.epoch, value: e.logs[k] })),
      `${k} per epoch equals the logs Keras passed`,
    );
});

test('with no run started, the callback starts one from its own keyword arguments', async () => {
  const r = assertOk(
    await runPython(
      `
import keras, numpy as np
from runboard.keras import RunboardCallback
x = np.random.default_rng(1).random((64, 4), dtype=np.float32)
y = (x[:, 0] > 0.5).astype("float32")
model = keras.Sequential([keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
cb = RunboardCallback(experiment="keras-auto", config={"lr": 0.01})
model.fit(x, y, epochs=2, callbacks=[cb])
print(cb.run.id)
`,
      { env: { PYTHONPATH: `${CLIENT_DIR}:${STANDIN}`, RUNBOARD_API: s.url } },
    ),
  );
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status config experiment { name } history(key: "loss") { step } } }`,
    { id: r.stdout.trim() },
  );
  assert.equal(run.experiment.name, 'keras-auto');
  assert.deepEqual(run.config, { lr: 0.01 });
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual(run.history, [{ step: 0 }, { step: 1 }]);
});
