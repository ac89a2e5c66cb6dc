// Follow a run's metrics live, across server restarts, with no gap and no duplicate:
// `npx tsx examples/follow-metrics.ts <run-id> [...]` prints one JSON line per point.
// The trick is `since`: after any disconnect, subscribe again with the last seq seen per run, and the server
// first replays what was missed. (graphql-ws's own retry would resend the first `since`, so it is off here.)
import { createClient } from 'graphql-ws'; // npm i graphql-ws ws
import WebSocket from 'ws'; // Node 22 has a global WebSocket; Node 20 needs this

const WS = process.env.RUNBOARD_WS ?? 'ws://127.0.0.1:4000/graphql';
const KEY = process.env.RUNBOARD_API_KEY; // needs scope READ when the server has keys
const runIds = process.argv.slice(2);
const last = new Map(runIds.map((id) => [id, 0])); // highest seq applied per run; 0 replays from the start

const client = createClient({
  url: WS,
  webSocketImpl: WebSocket,
  connectionParams: KEY ? { apiKey: KEY } : undefined,
  retryAttempts: 0,
});

function follow(): void {
  client.subscribe<{
    metricsLogged: { runId: string; seq: number; points: { key: string; step: number; value: number | string }[] };
  }>(
    {
      query: `subscription($runs: [ID!]!, $since: [RunSeqInput!]) {
        metricsLogged(runIds: $runs, since: $since) { runId seq points { key step value } } }`,
      variables: { runs: runIds, since: [...last].map(([runId, seq]) => ({ runId, seq })) },
    },
    {
      next: ({ data }) => {
        const event = data?.metricsLogged;
        if (!event || event.seq <= (last.get(event.runId) ?? 0)) return; // already applied
        last.set(event.runId, event.seq);
        for (const p of event.points) console.log(JSON.stringify({ runId: event.runId, ...p }));
      },
      error: () => setTimeout(follow, 1000), // connection lost or server restarting: resume from `last`
      complete: () => {},
    },
  );
}
follow();
