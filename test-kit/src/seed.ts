/**
 * Seeding through the public GraphQL API (what trainers do), shared by the web tests and bench/web.ts.
 */
import { createRun as createRunAs, type Gql, gqlClient } from './gql.ts';

export { type Gql, gqlClient };

export interface SeedRun {
  id: string;
  name: string;
  config: Record<string, unknown>;
}

export async function createRun(
  gql: Gql,
  input: { experimentName: string; name?: string; config?: Record<string, unknown>; tags?: string[] },
): Promise<SeedRun> {
  return createRunAs(gql, input);
}

export async function startRun(gql: Gql, id: string) {
  await gql(
    `mutation($id: ID!) { startRun(id: $id, systemInfo: { host: "test-host", engines: ["tfjs-node"] }) { id } }`,
    { id },
  );
}

export async function finishRun(gql: Gql, id: string, status: 'FINISHED' | 'FAILED' | 'CANCELED' = 'FINISHED') {
  await gql(
    `mutation($id: ID!, $status: FinalRunStatus!) { finishRun(id: $id, status: $status, exitCode: 0) { id } }`,
    { id, status },
  );
}

export interface Point {
  key: string;
  step: number;
  value: number | string;
  wallTime?: string;
}

export async function logMetrics(gql: Gql, runId: string, points: Point[]): Promise<number> {
  const d = await gql(
    `mutation($runId: ID!, $points: [MetricPointInput!]!) { logMetrics(runId: $runId, points: $points) { seq } }`,
    { runId, points },
  );
  return d.logMetrics.seq;
}

/** Plausible learning curves: accuracy rises and loss falls at a speed set by the run's lr. */
export function curves(
  runIndex: number,
  epochs: number,
  fromEpoch = 0,
  keys = ['acc', 'val_acc', 'loss', 'val_loss'],
): Point[] {
  const speed = 0.02 + (runIndex % 7) * 0.01;
  const t0 = Date.parse('2026-11-28T08:00:00.000Z') + runIndex * 1000;
  const points: Point[] = [];
  for (let e = fromEpoch; e < epochs; e++) {
    const acc = 0.95 - 0.85 * Math.exp(-speed * e) + 0.01 * Math.sin(e + runIndex);
    const loss = 2.3 * Math.exp(-speed * e) + 0.05 + 0.01 * Math.cos(e + runIndex);
    const values: Record<string, number> = { acc, val_acc: acc - 0.03, loss, val_loss: loss + 0.08 };
    const wallTime = new Date(t0 + e * 2000).toISOString();
    for (const key of keys) points.push({ key, step: e, value: Number(values[key]!.toFixed(5)), wallTime });
  }
  return points;
}

/** An experiment with `runs` finished runs of `epochs` epochs; configs differ in lr and batch size. */
export async function seedExperiment(
  gql: Gql,
  name: string,
  runs: number,
  epochs: number,
  opts: { finish?: boolean } = {},
): Promise<SeedRun[]> {
  const out: SeedRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await createRun(gql, {
      experimentName: name,
      name: `run-${String(i).padStart(3, '0')}`,
      config: {
        lr: [0.1, 0.01, 0.001][i % 3],
        batch: [16, 32, 64, 128][i % 4],
        optimizer: i % 2 ? 'adam' : 'sgd',
        model: { base: 'mobilenet', dropout: 0.2 },
      },
      tags: i % 2 ? ['baseline'] : [],
    });
    await startRun(gql, run.id);
    if (epochs > 0) await logMetrics(gql, run.id, curves(i, epochs));
    if (opts.finish !== false) await finishRun(gql, run.id);
    out.push(run);
  }
  return out;
}
