// Acknowledged means durable: trainers log as fast as they can, PostgreSQL's postmaster (and its backends) is
// killed with SIGKILL while acknowledgements are arriving, and after a restart every acknowledged point is
// there. Commits are not batched or delayed (synchronous_commit on, commit_delay 0, one statement per forward
// epoch: docs/performance.md), so an answer is sent only after its own commit is in the WAL. Its own
// embedded PostgreSQL on a free port: the shared one is never touched.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { serverOptions } from '@runboard/test-kit/options';
import { waitFor } from '@runboard/test-kit/wait';
import pg from 'pg';
import { type RunningServer, startServer } from '../src/index.ts';
import { type EmbeddedDatabase, migrate, startEmbeddedPostgres } from '../src/testing.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runboard-durable-'));
chmodSync(dir, 0o755); // as root, PostgreSQL runs as its own user and must reach its data directory
const pgDir = path.join(dir, 'pg');
let port = 0;
let db: EmbeddedDatabase;
let server: RunningServer;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
}

before(async () => {
  port = await freePort();
  db = await startEmbeddedPostgres(pgDir, port, () => {});
  await migrate(db.url);
  server = await startServer(serverOptions(db.url, 'durability', { heartbeatTimeoutSeconds: 600 }));
});

after(async () => {
  await server?.stop();
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The postmaster's pid (postmaster.pid) and its children's, from /proc. */
function postgresProcesses(): { postmaster: number; children: number[] } {
  const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) children.push(Number(e));
    } catch {}
  }
  return { postmaster, children };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const KEYS = ['loss', 'acc', 'val_loss', 'val_acc', 'lr'];

test('kill -9 of the postmaster right after acknowledgements: every acknowledged point is there after restart', async () => {
  const runs: string[] = [];
  for (let i = 0; i < 6; i++) {
    const { createRun } = await gql(`mutation { createRun(input: { experimentName: "durable" }) { id } }`);
    await gql(`mutation($id: ID!) { startRun(id: $id) { id } }`, { id: createRun.id });
    runs.push(createRun.id);
  }
  const acked = new Map<string, number[]>(runs.map((r) => [r, []]));
  let stop = false;
  let killedAt = 0;
  const loggers = runs.map(async (runId) => {
    for (let step = 0; !stop; step++) {
      const columns = { keys: KEYS, steps: KEYS.map(() => step), values: KEYS.map((_, k) => step + k) };
      try {
        await gql(`mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { accepted } }`, {
          id: runId,
          c: columns,
        });
        acked.get(runId)!.push(step);
      } catch {
        return; // the database went away: this trainer stops (what it had in flight was never acknowledged)
      }
    }
  });
  const total = () => [...acked.values()].reduce((a, s) => a + s.length, 0);
  await waitFor(() => total() >= 60, { what: '60 acknowledged epochs', interval: 5 });
  const { postmaster, children } = postgresProcesses();
  process.kill(postmaster, 'SIGKILL');
  for (const c of children) if (alive(c)) process.kill(c, 'SIGKILL'); // a crash takes every process down
  killedAt = total();
  stop = true;
  await Promise.all(loggers);
  await waitFor(() => !alive(postmaster) && children.every((c) => !alive(c)), { what: 'postgres gone' });

  db = await startEmbeddedPostgres(pgDir, port, () => {});
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ run_id: string; step: number; n: number }>(
      `SELECT run_id, step::int, count(*)::int AS n FROM metrics GROUP BY run_id, step`,
    );
    const stored = new Map(rows.map((r) => [`${r.run_id}:${r.step}`, r.n]));
    let checked = 0;
    for (const [runId, steps] of acked)
      for (const step of steps) {
        assert.equal(stored.get(`${runId}:${step}`), KEYS.length, `acknowledged ${runId} step ${step} is stored`);
        checked++;
      }
    assert.ok(checked >= killedAt && killedAt >= 60, `${checked} acknowledged epochs checked`);
    // The summaries committed with the points: each run's count is what its history holds.
    const { rows: latest } = await c.query<{ run_id: string; n: number }>(
      `SELECT l.run_id, sum(l.count)::int - (SELECT count(*)::int FROM metrics m WHERE m.run_id = l.run_id) AS n
         FROM metric_latest l GROUP BY l.run_id`,
    );
    for (const r of latest) assert.equal(r.n, 0, `metric_latest agrees with history for ${r.run_id}`);
  } finally {
    await c.end();
  }
});
