/** The benchmarks' GraphQL client: @runboard/client with prepared bodies (no client-side re-serialising). */
import { GraphQLClient } from '@runboard/client';
import { checked, createRunningRun, type Gql, type GraphQLBody } from '@runboard/test-kit/gql';

export class GqlClient {
  private readonly client: GraphQLClient;

  constructor(url: string, maxSockets = 16, apiKey?: string) {
    // One attempt, no timeout of its own: a benchmark reports failures, it does not hide them behind retries.
    this.client = new GraphQLClient({ url, apiKey, maxSockets, retry: false, timeoutMs: 600_000 });
  }

  /** POSTs a pre-serialised body (to the GraphQL path unless `path` is given); resolves with the raw response text. */
  async post(body: string, path?: string): Promise<string> {
    const { status, text } = await this.client.sendPrepared(body, path);
    if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 500)}`);
    return text;
  }

  /** Like post, with the answer's Server-Timing header (the server runs with SERVER_TIMING=on), if any. */
  async postTimed(body: string): Promise<{ text: string; serverTiming: string | null }> {
    const { status, text, headers } = await this.client.sendPrepared(body);
    if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 500)}`);
    const st = headers['server-timing'];
    return { text, serverTiming: typeof st === 'string' ? st : null };
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return checked((await this.client.execute<T>(query, variables)) as GraphQLBody<T>);
  }

  close(): void {
    this.client.close();
  }
}

export function parse<T>(text: string): T {
  return checked(JSON.parse(text) as GraphQLBody<T>);
}

export const LOG_METRICS = `mutation Log($runId: ID!, $points: [MetricPointInput!]!) {
  logMetrics(runId: $runId, points: $points) { accepted seq }
}`;

/** The same mutation with the batch as parallel columns (MetricColumnsInput). */
export const LOG_METRICS_COLUMNS = `mutation LogColumns($runId: ID!, $columns: MetricColumnsInput!) {
  logMetrics(runId: $runId, columns: $columns) { accepted seq }
}`;

/** Creates and starts `n` runs in one experiment (the tests' createRunningRun); returns their ids. */
export async function createRunningRuns(client: GqlClient, experimentName: string, n: number): Promise<string[]> {
  const gql: Gql = (query, variables) => client.gql(query, variables);
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push(
      (await createRunningRun(gql, { experimentName, name: `bench-${i}`, config: { lr: 0.001, batch: 64 } })).id,
    );
  return ids;
}

export const KEYS = [
  'loss',
  'acc',
  'val_loss',
  'val_acc',
  'lr',
  'grad_norm',
  'top5_acc',
  'val_top5_acc',
  'epoch_time',
  'throughput',
];

export interface Point {
  key: string;
  step: number;
  value: number;
  wallTime: string;
}

/**
 * `n` points over `keys`, one point per key per step starting at `firstStep`
 * (so steps increase and keys interleave as a trainer logs them). Returns the points and the next step.
 */
export function makePoints(
  n: number,
  keys: string[],
  firstStep: number,
  t0 = Date.now(),
): { points: Point[]; nextStep: number } {
  const points: Point[] = [];
  let step = firstStep;
  while (points.length < n) {
    const wallTime = new Date(t0 + step * 10).toISOString();
    for (const key of keys) {
      if (points.length === n) break;
      const x = step / 1000;
      points.push({
        key,
        step,
        value: key.includes('loss') ? 2 * Math.exp(-x) + Math.random() * 0.05 : 1 - Math.exp(-x) * 0.9,
        wallTime,
      });
    }
    step++;
  }
  return { points, nextStep: step };
}
