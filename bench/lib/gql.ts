/** A minimal GraphQL-over-HTTP client on a keep-alive agent (less client CPU than fetch). */
import http from 'node:http';
import { checked, createRunningRun, type Gql, type GraphQLBody } from '../../test/helpers/gql.ts';

export class GqlClient {
  private readonly agent: http.Agent;
  private readonly target: URL;

  constructor(
    url: string,
    maxSockets = 16,
    private readonly apiKey?: string,
  ) {
    this.target = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** POSTs a pre-serialised body (to the GraphQL path unless `path` is given); resolves with the raw response text. */
  post(body: string, path = this.target.pathname): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
            else resolve(text);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return parse<T>(await this.post(JSON.stringify({ query, variables })));
  }

  close(): void {
    this.agent.destroy();
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
