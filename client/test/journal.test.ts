// @runboard/client's journal: what survives a crash, and replaying it against the real server. A call
// delivered but not yet shifted (the process died in between) is delivered again on replay: the
// journal holds only calls the server takes twice without harm, so the run ends up exactly right.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GraphQLClient } from '@runboard/client';
import { Journal } from '@runboard/client/journal';
import { uniqueName } from '@runboard/test-kit/gql';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

type Op = { op: 'log'; runId: string; step: number; value: number } | { op: 'finish'; runId: string };

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'runboard-journal-'));
});
after(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

const open = (file: string) => new Journal<Op>(file).load();

test('entries survive a reopen in order, seq continues, a torn last line is skipped', async () => {
  const file = path.join(dir, 'torn.jsonl');
  const j = await open(file);
  await j.append({ op: 'log', runId: 'r', step: 1, value: 1 });
  await j.append({ op: 'log', runId: 'r', step: 2, value: 2 });
  await appendFile(file, '{"seq":3,"at":"2026-01-01T00:00:00Z","call":{"op":"lo'); // a crash mid-write
  const again = await open(file);
  assert.deepEqual(
    again.all().map((e) => [e.seq, e.call.op === 'log' && e.call.step]),
    [
      [1, 1],
      [2, 2],
    ],
  );
  await again.append({ op: 'finish', runId: 'r' });
  assert.equal(again.all().at(-1)!.seq, 3);
});

test('appends not awaited are written in call order; an emptied journal leaves no file and no temp files', async () => {
  const file = path.join(dir, 'order.jsonl');
  const j = await open(file);
  await Promise.all(Array.from({ length: 50 }, (_, i) => j.append({ op: 'log', runId: 'r', step: i, value: i })));
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).call.step),
    Array.from({ length: 50 }, (_, i) => i),
  );
  // A second process replaying the same file concurrently: unique temp names, so neither write fails.
  const other = await open(file);
  await Promise.all([j.shift(25), other.shift(50)]);
  await j.shift(25);
  assert.equal(existsSync(file), false);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.startsWith('order')),
    [],
  );
});

test('leading() batches the head of the queue while calls fit, and always takes at least one', async () => {
  const j = await open(path.join(dir, 'batch.jsonl'));
  for (const step of [1, 2, 3]) await j.append({ op: 'log', runId: 'a', step, value: step });
  await j.append({ op: 'log', runId: 'b', step: 1, value: 1 });
  await j.append({ op: 'finish', runId: 'a' });
  // Consecutive logs of run a, at most 2 per batch.
  const upTo2 = (n: number, c: Op) => (c.op === 'log' && c.runId === 'a' && n < 2 ? n + 1 : null);
  assert.deepEqual(
    j.leading(0, upTo2).map((e) => e.seq),
    [1, 2],
  );
  await j.shift(2);
  assert.deepEqual(
    j.leading(0, upTo2).map((e) => e.seq),
    [3],
  );
  await j.shift(2);
  assert.deepEqual(
    j.leading(0, upTo2).map((e) => e.seq),
    [5],
    'a call that fits nothing still goes alone',
  );
  await j.shift();
});

async function deliver(client: GraphQLClient, op: Op): Promise<void> {
  if (op.op === 'log')
    await client.request(
      `mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { seq } }`,
      {
        id: op.runId,
        c: { keys: ['loss'], steps: [op.step], values: [op.value] },
      },
    );
  else
    await client.request(`mutation($id: ID!) { finishRun(id: $id, status: FINISHED, exitCode: 0) { id } }`, {
      id: op.runId,
    });
}

test('replay after a crash between delivery and shift: the run ends exactly right, the journal empty', async (t) => {
  const client = new GraphQLClient({ url: s.url });
  t.after(() => client.close());
  const { createRun } = await s.gql(`mutation($e: String!) { createRun(input: { experimentName: $e }) { id } }`, {
    e: uniqueName('journal-replay'),
  });
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
  const file = path.join(dir, 'replay.jsonl');
  const j = await open(file);
  for (let step = 1; step <= 3; step++) await j.append({ op: 'log', runId: createRun.id, step, value: 1 / step });
  await j.append({ op: 'finish', runId: createRun.id });
  // The first process delivers two calls but dies before shifting the second.
  await deliver(client, j.peek()!.call);
  await j.shift();
  await deliver(client, j.peek()!.call);
  // A new process replays what is on disk: steps 2 (again), 3 and finish.
  const replay = await open(file);
  assert.equal(replay.size, 3);
  while (replay.peek()) {
    await deliver(client, replay.peek()!.call);
    await replay.shift();
  }
  assert.equal(existsSync(file), false);
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status metric(key: "loss") { count lastStep } history(key: "loss") { step value } } }`,
    { id: createRun.id },
  );
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual(run.metric, { count: 3, lastStep: 3 });
  assert.deepEqual(
    run.history.map((p: { step: number }) => p.step),
    [1, 2, 3],
  );
});
