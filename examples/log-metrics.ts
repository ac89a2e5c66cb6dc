// Log an epoch from any TypeScript/JavaScript program (Node >= 20, no dependencies): `npx tsx examples/log-metrics.ts`.
// Safe to retry: logMetrics replaces a (run, key, step) it already has, and a repeated finishRun is a no-op,
// so the client retries network failures and DATABASE_UNAVAILABLE (HTTP 503) with backoff.
const API = process.env.RUNBOARD_API ?? 'http://127.0.0.1:4000/graphql';
const KEY = process.env.RUNBOARD_API_KEY; // needs scope LOG when the server has keys

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function gql(query: string, variables: object = {}, attempts = 10): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    let retryable = true;
    try {
      const res = await fetch(API, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(KEY ? { authorization: `Bearer ${KEY}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = await res.json();
      const error = body.errors?.[0];
      if (!error) return body.data;
      retryable = error.extensions?.code === 'DATABASE_UNAVAILABLE';
      if (!retryable || attempt >= attempts) throw new Error(`${error.extensions?.code}: ${error.message}`);
    } catch (err) {
      if (!retryable || attempt >= attempts) throw err; // a GraphQL error, or out of attempts
    }
    await sleep(Math.min(250 * 2 ** attempt, 5000));
  }
}

const { createRun } = await gql(
  `mutation($e: String!) { createRun(input: { experimentName: $e, config: { lr: 2e-5 } }) { id } }`,
  { e: process.env.EXPERIMENT ?? 'cats-vs-dogs' },
);
const runId = createRun.id;
await gql(`mutation($run: ID!) { startRun(id: $run) { status } }`, { run: runId });
await gql(
  `mutation($run: ID!, $points: [MetricPointInput!]!) { logMetrics(runId: $run, points: $points) { seq accepted } }`,
  {
    run: runId,
    points: [
      { key: 'loss', step: 0, value: 0.41 },
      { key: 'acc', step: 0, value: 0.81 },
      { key: 'val_loss', step: 0, value: 'NaN' }, // non-finite values are strings, see below
      { key: 'val_acc', step: 0, value: 0.84 },
    ],
  },
);
await gql(`mutation($run: ID!) { finishRun(id: $run, status: FINISHED, exitCode: 0) { status } }`, { run: runId });
console.log(runId);
