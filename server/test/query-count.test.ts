// The number of SQL statements a page costs must not grow with its rows (no N+1): resolvers load relations
// through per-request DataLoaders. Counted at the driver (every pg query, Prisma's included) while one
// request runs, on a real server; the server's own periodic jobs are told apart by their SQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { countStatements } from '@runboard/test-kit/db';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

/** Background work of the server (lease expiry, crash sweep, queue maintenance, LISTEN), not the request's. */
const BACKGROUND = /lease_expires_at < now\(\)|last_heartbeat_at < now\(\)|pgboss\.|LISTEN/;

/** The request's own statements: not the server's background work, not transaction control. */
const requestStatements = (fn: () => Promise<unknown>) =>
  countStatements((sql) => !BACKGROUND.test(sql) && !/^(BEGIN|COMMIT|ROLLBACK)/.test(sql), fn);

const CONFIG = { experiment: 'x', train: 'data/train', val: 'data/val', epochs: 1 };

async function experimentWithLaunchedRuns(n: number, agentId: string, label: string): Promise<string> {
  const name = `count-${n}-${randomUUID().slice(0, 8)}`;
  for (let i = 0; i < n; i++) {
    await s.gql(`mutation($i: LaunchRunInput!) { launchRun(input: $i) { id } }`, {
      i: { experimentName: name, config: CONFIG, labels: i % 2 ? [label] : ['nobody'] },
    });
  }
  // Half the runs get an agent, so RunLaunch.agent resolves to a row for some and null for others.
  await s.gql(`mutation($a: ID!, $m: Int!) { claimRuns(agentId: $a, max: $m) { run { id } } }`, {
    a: agentId,
    m: Math.ceil(n / 2),
  });
  return name;
}

const PAGE = `query($e: String!) {
  runs(filter: { experimentName: $e }, first: 100) {
    totalCount
    nodes {
      id name status config
      experiment { name }
      metrics { key lastValue }
      artifacts { name }
      launch { attempt waitingForAgent agent { name online runs { id } } sweep { name } }
    }
  }
}`;

test('a page of runs with launch info costs the same number of statements for 10 runs as for 100', async () => {
  const label = `count${Date.now()}`;
  const agentId = randomUUID();
  await s.gql(`mutation($i: RegisterAgentInput!) { registerAgent(input: $i) { id } }`, {
    i: { id: agentId, name: 'counter', host: 'test', concurrency: 100, labels: [label] },
  });
  const small = await experimentWithLaunchedRuns(10, agentId, label);
  const large = await experimentWithLaunchedRuns(100, agentId, label);
  const read = (e: string, expected: number) =>
    requestStatements(async () => {
      const { runs } = await s.gql(PAGE, { e });
      assert.equal(runs.nodes.length, expected);
      assert.ok(runs.nodes.some((r: any) => r.launch.agent?.name === 'counter'));
    });
  const [n10, n100] = [await read(small, 10), await read(large, 100)];
  assert.equal(n100, n10, `statements for 10 runs: ${n10}, for 100 runs: ${n100}`);
  assert.ok(n10 <= 12, `a page costs ${n10} statements`);
});

const SWEEP = `query($id: ID!) {
  sweep(id: $id) {
    name experiment { name }
    runs { id status launch { agent { name } } metrics { key } }
    bestRun { id } bestValue
    runCounts { status count }
    parameters { name points { runId value metric } }
  }
}`;

test('a sweep page costs the same number of statements for 2 runs as for 20', async () => {
  const launchSweep = async (values: number[]) => {
    const { launchSweep: sweep } = await s.gql(`mutation($i: LaunchSweepInput!) { launchSweep(input: $i) { id } }`, {
      i: {
        experimentName: `sweep-count-${values.length}`,
        baseConfig: CONFIG,
        space: { lr: { values } },
        method: 'GRID',
        maxRuns: values.length,
        parallelism: 2,
        metric: 'val_acc',
        goal: 'MAXIMIZE',
      },
    });
    return sweep.id as string;
  };
  const lrs = (n: number) => Array.from({ length: n }, (_, i) => 1e-5 * (i + 1));
  const [two, twenty] = [await launchSweep(lrs(2)), await launchSweep(lrs(20))];
  const read = (id: string, expected: number) =>
    requestStatements(async () => {
      const { sweep } = await s.gql(SWEEP, { id });
      assert.equal(sweep.runs.length, expected);
      assert.equal(sweep.parameters[0].points.length, expected);
    });
  const [n2, n20] = [await read(two, 2), await read(twenty, 20)];
  assert.equal(n20, n2, `statements for 2 runs: ${n2}, for 20 runs: ${n20}`);
  assert.ok(n2 <= 8, `a sweep page costs ${n2} statements`);
});
