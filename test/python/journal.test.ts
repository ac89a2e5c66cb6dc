// The Python client's delivery guarantees: logging never waits on the network, and no point run.log()
// accepted is lost — not when the server is SIGKILLed and restarted mid-run, not when it answers 429 or
// DATABASE_UNAVAILABLE, not when the Python process itself is killed while the server is unreachable (its
// journal is replayed later). While the server answers, calls stay in memory: run.log() does no I/O.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createTestDatabase } from '@runboard/test-kit/db';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { assertOk, runPython } from './helpers.ts';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** The real server as its own process (scripts/start.ts), so it can be SIGKILLed. */
async function serverProcess(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), WEB: 'off', LOCAL_AGENT: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.includes('GraphQL ready at') || child.exitCode !== null, {
    timeout: 120_000,
    what: 'server start',
  });
  assert.equal(child.exitCode, null, `server exited: ${out}`);
  return child;
}

/** Logs step after step (10 ms apart) until STOP_FILE exists, then finishes; prints progress and timings. */
const LOOP = `
import json, math, os, sys, time
import runboard
run = runboard.init(experiment="journal", config={"sleep": 0.01})
print(json.dumps({"run": run.id}), flush=True)
step, times = 0, []
while not os.path.exists(os.environ["STOP_FILE"]):
    t = time.perf_counter()
    run.log({"loss": 1 / (step + 1), "acc": step / 10000, "odd": math.nan if step % 7 == 0 else -step}, step=step)
    times.append(time.perf_counter() - t)
    print(json.dumps({"step": step, "online": run.online}), flush=True)
    step += 1
    time.sleep(0.01)
ok = run.finish()
times.sort()
p99, slowest = times[int(len(times) * 0.99)] * 1000, times[-1] * 1000
print(json.dumps({"steps": step, "p99_log_ms": p99, "slowest_log_ms": slowest, "delivered": ok}), flush=True)
`;

function expected(steps: number) {
  const range = Array.from({ length: steps }, (_, i) => i);
  return {
    loss: range.map((i) => ({ step: i, value: 1 / (i + 1) })),
    acc: range.map((i) => ({ step: i, value: i / 10000 })),
    odd: range.map((i) => ({ step: i, value: i % 7 === 0 ? 'NaN' : -i })),
  };
}

async function history(s: { gql: TestServer['gql'] }, runId: string) {
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status
      loss: history(key: "loss", first: 5000) { step value } acc: history(key: "acc", first: 5000) { step value }
      odd: history(key: "odd", first: 5000) { step value } } }`,
    { id: runId },
  );
  return run;
}

test('server SIGKILLed and restarted mid-run: training goes on, every point is there after the journal replays', async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const port = await freePort();
  let server = await serverProcess(database.url, port);
  cleanups.push(async () => server.kill('SIGKILL'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  const stopFile = path.join(dir, 'stop');
  const lines: any[] = [];
  const py = runPython(LOOP, {
    env: {
      RUNBOARD_API: `http://127.0.0.1:${port}/graphql`,
      RUNBOARD_JOURNAL_DIR: dir,
      STOP_FILE: stopFile,
      // at most 50 undelivered calls in memory: the outage's backlog is read back from the file, then the
      // sender returns to the in-memory queue (both paths run in this test)
      RUNBOARD_JOURNAL_QUEUE: '50',
    },
    onLine: (l) => lines.push(JSON.parse(l)),
  });
  const steps = () => lines.filter((l) => 'step' in l).length;
  await waitFor(() => steps() >= 30, { timeout: 60_000, what: '30 steps' });
  server.kill('SIGKILL');
  const killedAt = steps();
  // the client notices and keeps training (journaling) while the server is gone
  await waitFor(() => lines.some((l) => l.online === false), { timeout: 60_000, what: 'client offline' });
  const journalFiles = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
  assert.equal(journalFiles.length, 1, 'one journal file while offline');
  // a replay must not race the live process that owns the journal (it would deliver its calls twice)
  const busy = await runPython('import runpy; runpy.run_module("runboard", run_name="__main__")', {
    args: ['replay', path.join(dir, journalFiles[0]!)],
    env: { RUNBOARD_API: `http://127.0.0.1:${port}/graphql` },
  });
  assert.match(busy.stderr, /skipped, .* is in use by a running process/);
  await waitFor(() => steps() >= killedAt + 100, { timeout: 60_000, what: '100 steps while the server is down' });
  server = await serverProcess(database.url, port);
  await waitFor(() => lines.slice(-1)[0]?.online === true, { timeout: 60_000, what: 'client online again' });
  const back = steps();
  await waitFor(() => steps() >= back + 30, { timeout: 60_000, what: '30 more steps' });
  await writeFile(stopFile, '');
  const r = assertOk(await py);
  const done = lines.at(-1);
  console.log(`python: ${JSON.stringify(done)}, server killed at step ${killedAt}`);
  assert.equal(done.delivered, true, r.stderr);
  assert.match(r.stderr, /server unreachable .*journaling to/);
  assert.match(r.stderr, /server reachable again, journal replayed/);
  // logging never waited on the network, not even while the server was down or replaying (a request waits up
  // to its 15 s timeout; the slowest call only shows this shared machine's scheduling)
  assert.ok(done.p99_log_ms < 25, `p99 of run.log() ${done.p99_log_ms} ms`);
  assert.ok(done.slowest_log_ms < 1000, `slowest run.log() took ${done.slowest_log_ms} ms`);
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as any;
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const run = await history({ gql } as any, lines[0].run);
  assert.equal(run.status, 'FINISHED');
  const want = expected(done.steps);
  assert.ok(done.steps > killedAt + 100);
  assert.deepEqual({ loss: run.loss, acc: run.acc, odd: run.odd }, want, 'every point, in order, values exact');
  assert.deepEqual(await readdir(dir), ['stop'], 'the delivered journal is removed');
});

test('429 and DATABASE_UNAVAILABLE answers are retried with backoff: nothing is dropped', async () => {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  // a loopback proxy that turns away every other logMetrics request: 429, then 503 DATABASE_UNAVAILABLE
  let refusals = 0;
  let logRequests = 0;
  const proxy = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (body.includes('logMetrics') && logRequests++ % 2 === 0) {
      refusals++;
      if (refusals % 2) {
        res.writeHead(429, { 'retry-after': '0.2', 'content-type': 'application/json' });
        res.end('{"errors":[{"message":"slow down"}]}');
      } else {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"errors":[{"message":"database down","extensions":{"code":"DATABASE_UNAVAILABLE"}}]}');
      }
      return;
    }
    const upstream = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => proxy.close(r)));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
  const r = assertOk(
    await runPython(
      `
import json, math, time, runboard
with runboard.init(experiment="retry") as run:
    for step in range(60):
        run.log({"loss": 1 / (step + 1), "acc": step / 10000, "odd": math.nan if step % 7 == 0 else -step}, step=step)
        time.sleep(0.01)
print(json.dumps({"run": run.id}))
`,
      { env: { RUNBOARD_API: url, RUNBOARD_JOURNAL_DIR: await mkdtemp(path.join(os.tmpdir(), 'rb-journal-')) } },
    ),
  );
  assert.ok(refusals >= 2, `proxy refused ${refusals} requests`);
  const run = await history(s, JSON.parse(r.stdout).run);
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual({ loss: run.loss, acc: run.acc, odd: run.odd }, expected(60));
});

test('a Python process killed while offline leaves its journal; python -m runboard replay delivers it all', async () => {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  const dead = `http://127.0.0.1:${await freePort()}/graphql`; // nothing listens there
  const r = await runPython(
    `
import math, os, signal, runboard
run = runboard.init(experiment="replayed", config={"lr": 0.1}, name="offline-run", init_timeout=2)
for step in range(40):
    run.log({"loss": 1 / (step + 1), "acc": step / 10000, "odd": math.nan if step % 7 == 0 else -step}, step=step)
print(run.journal_path, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no finish, no atexit: what a crash or the OOM killer does
`,
    { env: { RUNBOARD_API: dead, RUNBOARD_JOURNAL_DIR: dir } },
  );
  assert.equal(r.signal, 'SIGKILL');
  const journal = r.stdout.trim();
  const replay = await runPython('import runpy; runpy.run_module("runboard", run_name="__main__")', {
    args: ['replay', journal],
    env: { RUNBOARD_API: s.url },
  });
  assertOk(replay);
  assert.match(replay.stderr, /delivered/);
  const { runs } = await s.gql(`{ runs(filter: { experimentName: "replayed" }) { nodes { id name status config } } }`);
  assert.equal(runs.nodes.length, 1, 'created once, while replaying');
  assert.equal(runs.nodes[0].name, 'offline-run');
  assert.deepEqual(runs.nodes[0].config, { lr: 0.1 });
  const run = await history(s, runs.nodes[0].id);
  assert.equal(run.status, 'RUNNING', 'never finished: the process died (the server marks it CRASHED later)');
  assert.deepEqual({ loss: run.loss, acc: run.acc, odd: run.odd }, expected(40));
  assert.deepEqual(await readdir(dir), [], 'a delivered journal is removed');
});

test('a black-holed server (accepts, never answers): init() returns after init_timeout, log() never waits', async () => {
  const sockets: Socket[] = [];
  const hole = createTcpServer((sock) => sockets.push(sock)); // reads nothing, answers nothing
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const sock of sockets) sock.destroy();
    await new Promise((r) => hole.close(r));
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  const r = assertOk(
    await runPython(
      `
import json, time, runboard
t = time.perf_counter()
run = runboard.init(experiment="black-hole", init_timeout=2, finish_timeout=1)
init_s = time.perf_counter() - t
slowest = 0.0
for step in range(200):
    t = time.perf_counter()
    run.log({"loss": 1 / (step + 1)}, step=step)
    slowest = max(slowest, time.perf_counter() - t)
    time.sleep(0.005)
t = time.perf_counter()
delivered = run.finish()
print(json.dumps({"init_s": init_s, "slowest_log_s": slowest, "finish_s": time.perf_counter() - t,
                  "delivered": delivered, "journal": run.journal_path, "id": run.id}))
`,
      {
        env: {
          RUNBOARD_API: `http://127.0.0.1:${(hole.address() as AddressInfo).port}/graphql`,
          RUNBOARD_JOURNAL_DIR: dir,
        },
      },
    ),
  );
  const out = JSON.parse(r.stdout);
  // a request to this server waits for its 15 s timeout; none of these calls may
  assert.ok(out.init_s >= 1.5 && out.init_s < 5, `init took ${out.init_s} s`);
  assert.ok(out.slowest_log_s < 1, `slowest run.log() ${out.slowest_log_s} s`);
  assert.ok(out.finish_s < 5, `finish took ${out.finish_s} s`);
  assert.equal(out.delivered, false);
  assert.equal(out.id, null, 'no server id before the server has created the run');
  assert.match(r.stderr, /server still unreachable; \d+ bytes of calls kept in .*python -m runboard replay/);
  assert.ok((await readdir(dir)).includes(path.basename(out.journal)), 'the journal is kept for a replay');
});

test('while the server answers, run.log() makes no write syscall and leaves the journal file empty', async () => {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  // flush_interval=30: the sender sleeps through the loop, so every write syscall the process makes in it
  // (/proc/self/io counts them for all threads) would be run.log's own; a journal line per call is 2,000
  const r = assertOk(
    await runPython(
      `
import json, os, runboard
def writes():
    with open("/proc/self/io") as f:
        return int(next(l for l in f if l.startswith("syscw")).split()[1])
run = runboard.init(experiment="no-disk", flush_interval=30)
w0 = writes()
for step in range(1000):
    run.log({"loss": 1 / (step + 1), "acc": step / 1000}, step=step)
w1 = writes()
size = os.path.getsize(run.journal_path)
delivered = run.finish()
print(json.dumps({"writes": w1 - w0, "journal_bytes": size, "delivered": delivered, "run": run.id}))
`,
      { env: { RUNBOARD_API: s.url, RUNBOARD_JOURNAL_DIR: dir } },
    ),
  );
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.writes, out.journal_bytes, out.delivered], [0, 0, true], r.stdout);
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { status metrics { key count } } }`, { id: out.run });
  assert.equal(run.status, 'FINISHED');
  assert.deepEqual(run.metrics, [
    { key: 'acc', count: 1000 },
    { key: 'loss', count: 1000 },
  ]);
  assert.deepEqual(await readdir(dir), [], 'the journal is removed');
});

test('an outage mid-run: its calls go to the journal on disk, and every call is delivered in order', async () => {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  // a loopback proxy the test switches off (503 for every request) and on again
  let down = false;
  let refused = 0;
  const proxy = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (down) {
      refused++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"errors":[{"message":"down"}]}');
      return;
    }
    const upstream = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => proxy.close(r)));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  const stopFile = path.join(dir, 'stop');
  // "v" at step i // 10 is overwritten by ten consecutive calls: the server keeps the last one delivered, so
  // it ends as the group's last i only if the calls arrived in the order they were made (across the outage's
  // batch in flight, the journal and memory)
  const lines: any[] = [];
  let stderrText = '';
  const py = runPython(
    `
import json, os, time, runboard
run = runboard.init(experiment="outage-order", flush_interval=0.05)
print(json.dumps({"run": run.id}), flush=True)
i = 0
while not os.path.exists(os.environ["STOP_FILE"]):
    run.log({"seq": i}, step=i)
    run.log({"v": i}, step=i // 10)
    print(json.dumps({"i": i, "online": run.online, "journal": os.path.getsize(run.journal_path)}), flush=True)
    i += 1
    time.sleep(0.01)
print(json.dumps({"calls": i, "delivered": run.finish()}), flush=True)
`,
    {
      env: {
        RUNBOARD_API: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`,
        RUNBOARD_JOURNAL_DIR: dir,
        STOP_FILE: stopFile,
      },
      onLine: (l) => lines.push(JSON.parse(l)),
      onSpawn: (c) => c.stderr!.on('data', (d: Buffer) => (stderrText += d.toString())),
    },
  );
  const calls = () => lines.filter((l) => 'i' in l).length;
  await waitFor(() => calls() >= 30, { timeout: 60_000, what: '30 calls' });
  assert.ok(
    lines.filter((l) => 'i' in l).every((l) => l.journal === 0),
    'nothing on disk while online',
  );
  down = true;
  await waitFor(() => lines.some((l) => l.online === false && l.journal > 0), { timeout: 60_000, what: 'spilled' });
  const offlineAt = calls();
  await waitFor(() => calls() >= offlineAt + 30, { timeout: 60_000, what: '30 calls while down' });
  down = false;
  await waitFor(() => lines.at(-1)?.online === true && lines.at(-1)?.journal === 0, {
    timeout: 60_000,
    what: 'journal delivered',
  }).catch((e) => {
    console.log(JSON.stringify(lines.slice(-5)), stderrText);
    throw e;
  });
  const back = calls();
  await waitFor(() => calls() >= back + 30, { timeout: 60_000, what: '30 calls after' });
  await writeFile(stopFile, '');
  const r = assertOk(await py);
  const done = lines.at(-1);
  assert.equal(done.delivered, true, r.stderr);
  assert.ok(refused > 0);
  const { run } = await s.gql(
    `query($id: ID!) { run(id: $id) { status seq: history(key: "seq", first: 5000) { step value }
      v: history(key: "v", first: 5000) { step value } } }`,
    { id: lines[0].run },
  );
  assert.equal(run.status, 'FINISHED');
  const n = done.calls;
  assert.deepEqual(
    run.seq,
    Array.from({ length: n }, (_, i) => ({ step: i, value: i })),
    'every call, none lost',
  );
  const groups = Math.ceil(n / 10);
  assert.deepEqual(
    run.v,
    Array.from({ length: groups }, (_, g) => ({ step: g, value: Math.min(g * 10 + 9, n - 1) })),
    'the last call of each step won: delivered in order',
  );
  assert.deepEqual(await readdir(dir), ['stop'], 'the delivered journal is removed');
});

test('SIGTERM (an agent cancel) keeps the calls still in memory in the journal; a replay delivers them', async () => {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rb-journal-'));
  // flush_interval=30: nothing after init is sent before the signal, so all 40 calls are in memory then
  const r = await runPython(
    `
import math, os, signal, runboard
run = runboard.init(experiment="sigtermed", flush_interval=30)
for step in range(40):
    run.log({"loss": 1 / (step + 1), "acc": step / 10000, "odd": math.nan if step % 7 == 0 else -step}, step=step)
print(run.id, run.journal_path, flush=True)
os.kill(os.getpid(), signal.SIGTERM)
`,
    { env: { RUNBOARD_API: s.url, RUNBOARD_JOURNAL_DIR: dir } },
  );
  assert.equal(r.signal, 'SIGTERM', 'it still dies of SIGTERM');
  const [id, journal] = r.stdout.trim().split(' ');
  assert.deepEqual((await history(s, id!)).loss, [], 'nothing was sent before the signal');
  assertOk(
    await runPython('import runpy; runpy.run_module("runboard", run_name="__main__")', {
      args: ['replay', journal!],
      env: { RUNBOARD_API: s.url },
    }),
  );
  const run = await history(s, id!);
  assert.deepEqual({ loss: run.loss, acc: run.acc, odd: run.odd }, expected(40));
  assert.deepEqual(await readdir(dir), [], 'a delivered journal is removed');
});
