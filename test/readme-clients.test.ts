// The API guide's client examples are files in examples/, shown verbatim in docs/api.md, and run here against a
// real server: the logger as written, and the live follower across a server restart (no point missed or
// delivered twice).
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase } from '@runboard/test-kit/db';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

const run = promisify(execFile);
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers.reverse()) await s.close().catch(() => {});
});

test('docs/api.md shows examples/log-metrics.ts and examples/follow-metrics.ts verbatim', () => {
  const guide = readFileSync('docs/api.md', 'utf8');
  for (const file of ['examples/log-metrics.ts', 'examples/follow-metrics.ts']) {
    assert.ok(guide.includes(`\`\`\`ts\n${readFileSync(file, 'utf8')}\`\`\``), `${file} differs from docs/api.md`);
  }
});

test('examples/log-metrics.ts logs an epoch and finishes its run', async () => {
  const s = await startTestServer();
  servers.push(s);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/log-metrics.ts'], {
    env: { ...process.env, RUNBOARD_API: s.url, EXPERIMENT: 'readme-logger' },
  });
  const runId = stdout.trim();
  const { run: logged } = await s.gql(`query($id: ID!) { run(id: $id) { status metrics { key lastValue } } }`, {
    id: runId,
  });
  assert.equal(logged.status, 'FINISHED');
  assert.deepEqual(
    logged.metrics.map((m: { key: string; lastValue: unknown }) => [m.key, m.lastValue]),
    [
      ['acc', 0.81],
      ['loss', 0.41],
      ['val_acc', 0.84],
      ['val_loss', 'NaN'],
    ],
  );
});

test('examples/follow-metrics.ts resumes with since across a server restart: every point once', async () => {
  const database = await createTestDatabase(); // kept across the restart, dropped at the end
  let s = await startTestServer({ database });
  const { port } = s;
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "readme-follow" }) { id } }`);
  const runId = createRun.id as string;
  await s.gql(`mutation($id: ID!) { startRun(id: $id) { status } }`, { id: runId });
  const follower: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'examples/follow-metrics.ts', runId], {
    env: { ...process.env, RUNBOARD_WS: s.wsUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: string[] = [];
  let buffered = '';
  follower.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const p = JSON.parse(line) as { key: string; step: number };
      seen.push(`${p.key}@${p.step}`);
    }
  });
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 60_000;
    while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(seen.length >= n, `follower printed ${seen.length} of ${n} points`);
  };
  const log = (step: number) =>
    s.gql(`mutation($r: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $r, points: $p) { seq } }`, {
      r: runId,
      p: [
        { key: 'loss', step, value: 1 / (step + 1) },
        { key: 'acc', step, value: step / 10 },
      ],
    });
  try {
    for (let step = 0; step < 5; step++) await log(step);
    await waitFor(10);
    await s.close(); // the database stays: only the server restarts
    s = await startTestServer({ database, port });
    for (let step = 5; step < 10; step++) await log(step);
    await waitFor(20);
    const expected = Array.from({ length: 10 }, (_, step) => [`loss@${step}`, `acc@${step}`]).flat();
    assert.deepEqual([...seen].sort(), expected.sort(), 'each point exactly once');
  } finally {
    follower.kill();
    await s.close();
    await database.drop();
  }
});
