/**
 * The hostile request shapes of issues 9 and 20 for `npm run bench:attacks`, each a function that sends one
 * attack and says how it was answered (a stable code, an HTTP status, or a WebSocket close code).
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import WebSocket from 'ws';

export interface Answer {
  /** What the attacker saw: an error code, `HTTP 413`, `ws 1009`, or `ok` when it was served. */
  answer: string;
}

export interface Target {
  url: string;
  wsUrl: string;
  readKey: string;
  logKey: string;
  bigRunId: string;
  seriesRunIds: string[];
}

async function post(t: Target, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.readKey}`, ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { errors?: { extensions?: { code?: string } }[] };
  const code = json.errors?.[0]?.extensions?.code;
  return { answer: code ?? (res.status === 200 ? 'ok' : `HTTP ${res.status}`) };
}

function fanOut(n: number): string {
  const frags = [`fragment F0 on Query { experiments { id name runs { nodes { id } } } }`];
  for (let i = 1; i <= n; i++) frags.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query { ...F${n} } ${frags.join(' ')}`;
}

/** Issue 20 3(a): registered with small variables, then sent as its hash alone with big ones. */
export const APQ_QUERY = `query($n: Int, $m: Int) { runs(filter: {experimentName: "big"}, first: $n) { nodes {
  history(key: "loss", first: $m) { step value wallTime } } } }`;
export const apqHash = { version: 1, sha256Hash: createHash('sha256').update(APQ_QUERY).digest('hex') };

const metricsPage = (a: string) => `${a}: runs(first: 50) { nodes { metrics { key lastValue min max count } } }`;

/** A body of `bytes` (the 57 MB of zeros) sent with no key; resolves at the answer, not the upload. */
function bigBody(t: Target, bytes: number): Promise<Answer> {
  return new Promise((resolve) => {
    const u = new URL(t.url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST' }, (res) => {
      res.resume();
      resolve({ answer: `HTTP ${res.statusCode}` });
      req.destroy();
    });
    req.setHeader('content-type', 'application/json');
    req.setHeader('content-length', String(bytes));
    req.on('error', () => resolve({ answer: 'reset' }));
    const chunk = Buffer.alloc(1 << 20, '0,');
    const head = Buffer.from('{"query":"{ __typename }","variables":{"x":[');
    req.write(head);
    let sent = head.length;
    const more = () => {
      while (sent < bytes - chunk.length) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', more);
      }
    };
    more();
  });
}

/** A WebSocket that never sends connection_init (slowloris over WS): resolves with its close code. */
function silentSocket(t: Target): Promise<Answer> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    ws.on('close', (code) => resolve({ answer: `ws ${code}` }));
    ws.on('error', () => {});
  });
}

/** One 2 MB WebSocket message: resolves with the close code. */
function bigMessage(t: Target): Promise<Answer> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    ws.on('open', () => ws.send('x'.repeat(2 * 1024 * 1024)));
    ws.on('close', (code) => resolve({ answer: `ws ${code}` }));
    ws.on('error', () => {});
  });
}

/** A body that trickles (10 bytes, then nothing): resolves when the server answers or closes. */
function slowBody(t: Target): Promise<Answer> {
  return new Promise((resolve) => {
    const u = new URL(t.url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ answer: `HTTP ${res.statusCode}` }));
    });
    req.setHeader('authorization', `Bearer ${t.readKey}`);
    req.setHeader('content-type', 'application/json');
    req.setHeader('content-length', '1000');
    req.on('error', () => resolve({ answer: 'reset' }));
    req.write('{"query":');
  });
}

/** A well-formed key nobody holds: each one costs the server a lookup by prefix, as a real guess would. */
const guessKey = () => `rb_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

export interface Shape {
  name: string;
  /** How many to send (each loop sends them one after another). */
  count: number;
  /** Parallel loops. */
  parallel: number;
  send(t: Target): Promise<Answer>;
}

/** Every shape, at the sizes BENCH_* ask for (defaults keep the whole run to a few minutes). */
export function shapes(o: { repeat: number; bodyBytes: number; sockets: number }): Shape[] {
  const n = o.repeat;
  const series = Array.from(
    { length: 6 },
    (_, i) => `s${i}: metricSeries(runIds: $ids, keys: ["loss", "acc"], maxPoints: 100000) { key }`,
  ).join(' ');
  const typenames = `{ ${'__typename '.repeat(90_000)}}`;
  const aliases5000 = `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: experiments { id }`).join(' ')} }`;
  return [
    {
      name: 'APQ hash only {n: 20, m: 100000}',
      count: n,
      parallel: 2,
      send: (t) => post(t, { variables: { n: 20, m: 100_000 }, extensions: { persistedQuery: apqHash } }),
    },
    {
      name: 'query($m: Int = 100000) default',
      count: n,
      parallel: 2,
      send: (t) => post(t, { query: APQ_QUERY.replace('$m: Int', '$m: Int = 100000'), variables: { n: 20 } }),
    },
    {
      name: '10 x runs(first: 50) { metrics }',
      count: n,
      parallel: 2,
      send: (t) => post(t, { query: `{ ${Array.from({ length: 10 }, (_, i) => metricsPage(`a${i}`)).join(' ')} }` }),
    },
    {
      name: 'run(big) { metric(key) }',
      count: n,
      parallel: 2,
      send: (t) =>
        post(t, {
          query: `query($id: ID!) { run(id: $id) { metric(key: "k5") { lastValue } } }`,
          variables: { id: t.bigRunId },
        }),
    },
    { name: 'fragment fan-out F0..F24', count: n, parallel: 2, send: (t) => post(t, { query: fanOut(24) }) },
    {
      name: '6 x metricSeries(maxPoints: 100000)',
      count: n,
      parallel: 2,
      send: (t) => post(t, { query: `query($ids: [ID!]!) { ${series} }`, variables: { ids: t.seriesRunIds } }),
    },
    { name: '5,000 aliases of one field', count: n, parallel: 2, send: (t) => post(t, { query: aliases5000 }) },
    // No alias and no cost (introspection fields are free): bounded only by the document's token count.
    { name: '90,000 x __typename (1 MB)', count: n, parallel: 2, send: (t) => post(t, { query: typenames }) },
    {
      name: `anonymous ${Math.round(o.bodyBytes / 1e6)} MB body`,
      count: Math.max(2, Math.round(n / 2)),
      parallel: 6,
      send: (t) => bigBody(t, o.bodyBytes),
    },
    {
      name: 'wrong keys from one address',
      count: n * 5,
      parallel: 4,
      send: (t) =>
        post(
          t,
          { query: '{ __typename }' },
          { authorization: `Bearer ${guessKey()}`, 'x-forwarded-for': '198.51.100.7' },
        ),
    },
    { name: `${o.sockets} trickled bodies`, count: 1, parallel: o.sockets, send: slowBody },
    { name: `${o.sockets} silent WebSockets`, count: 1, parallel: o.sockets, send: silentSocket },
    { name: '2 MB WebSocket message', count: n, parallel: 2, send: bigMessage },
  ];
}
