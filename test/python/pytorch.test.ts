// The Python client under a real PyTorch training loop on Fashion-MNIST (Debian's python3-torch and
// dataset-fashion-mnist): what the loop computed is exactly what the server holds. The loop is
// python/examples/train_fashion_mnist.py, shown verbatim in docs/python.md, and so is the query example run
// after it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { assertOk, runPython } from './helpers.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.close());

test('docs/python.md shows the training and query examples verbatim', () => {
  const doc = readFileSync('docs/python.md', 'utf8');
  for (const f of ['python/examples/train_fashion_mnist.py', 'python/examples/query_runs.py'])
    assert.ok(doc.includes(`\`\`\`python\n${readFileSync(f, 'utf8')}\`\`\``), `${f} differs from docs/python.md`);
});

test('a PyTorch loop on Fashion-MNIST logs 3 epochs; the server holds exactly what it computed', async () => {
  const journalDir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  const r = assertOk(
    await runPython(readFileSync('python/examples/train_fashion_mnist.py', 'utf8'), {
      env: { RUNBOARD_API: s.url, RUNBOARD_JOURNAL_DIR: journalDir, OMP_NUM_THREADS: '1' },
    }),
  );
  const epochs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | string>);
  assert.equal(epochs.length, 3);
  const runId = epochs[0]!.run as string;
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status config tags experiment { name } systemInfo
       loss: history(key: "loss", first: 100) { step value } acc: history(key: "acc", first: 100) { step value }
       val_loss: history(key: "val_loss", first: 100) { step value } val_acc: history(key: "val_acc", first: 100) { step value } } }`,
    { id: runId },
  );
  assert.equal(run.status, 'FINISHED');
  assert.equal(run.experiment.name, 'fashion-mnist-torch');
  assert.deepEqual(run.tags, ['pytorch']);
  assert.equal(run.config.lr, 0.05);
  assert.equal(run.systemInfo.client, 'runboard-python');
  for (const key of ['loss', 'acc', 'val_loss', 'val_acc']) {
    assert.deepEqual(
      run[key],
      epochs.map((e) => ({ step: e.epoch, value: e[key] })),
      `${key}: server history equals the loop's values, bit for bit`,
    );
  }
  // it learned something: a broken loop (or swapped keys) would not reach this
  assert.ok((epochs[2]!.val_acc as number) > 0.6, `val_acc ${epochs[2]!.val_acc}`);
  assert.ok((epochs[2]!.loss as number) < (epochs[0]!.loss as number));

  // the query example of docs/python.md against the same server
  const q = assertOk(
    await runPython(readFileSync('python/examples/query_runs.py', 'utf8'), { env: { RUNBOARD_API: s.url } }),
  );
  assert.match(
    q.stdout,
    new RegExp(`run-1\\s+FINISHED\\s+0\\.05\\s+${(epochs[2]!.val_acc as number).toFixed(4).slice(0, 5)}`),
  );
  assert.match(q.stdout, /step\s+loss\s+val_acc/);
  assert.match(q.stdout, /val_acc\.final\s+val_acc\.best/);
});
