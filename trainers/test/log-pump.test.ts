// The agent's log pump against a real server: a line holding a NUL (or a lone surrogate) is stored
// sanitised and the rest of its batch arrives; before, the whole batch was dropped silently.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { freePort } from '@runboard/test-kit/ports';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { AgentApi } from '../src/agent/api.ts';
import { LogPump } from '../src/agent/log-pump.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

test('a NUL in one line does not lose the batch: every line arrives, the bad one sanitised', async () => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "pump" }) { id } }`);
  const api = new AgentApi(s.url);
  const errors: string[] = [];
  const pump = new LogPump(api, createRun.id, undefined, (m) => errors.push(m));
  const out = new PassThrough();
  pump.attach(out, 'STDOUT');
  out.write('epoch 1\n');
  out.write('binary \u0000 junk \ud800 here\n');
  out.write('epoch 2\n');
  out.end();
  await new Promise((r) => setImmediate(r));
  await pump.flush();
  api.close();
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { logs { lines { text } } } }`, { id: createRun.id });
  assert.deepEqual(
    run.logs.lines.map((l: any) => l.text),
    ['epoch 1', 'binary \ufffd junk \ufffd here', 'epoch 2'],
  );
  assert.deepEqual(errors, []);
});

test('lines forwarded while the server is not listening yet arrive, in order, once it is', async (t) => {
  const { createRun } = await s.gql(`mutation { createRun(input: { experimentName: "pump" }) { id } }`);
  const port = await freePort();
  const notices: string[] = [];
  // The agent's client (@runboard/client) retries a refused connection: nothing was sent, so even
  // appendRunLogs (not idempotent) is safe to repeat.
  const api = new AgentApi(`http://127.0.0.1:${port}/graphql`, undefined, (m) => notices.push(m));
  t.after(() => api.close());
  const errors: string[] = [];
  const pump = new LogPump(api, createRun.id, undefined, (m) => errors.push(m));
  pump.line('STDOUT', 'resolving data');
  pump.line('STDERR', 'downloading weights');
  const flushed = pump.flush();
  await waitFor(() => notices.length > 0, { what: 'the refused connection' });
  const late = await startTestServer({ database: s.database, port });
  t.after(() => late.stop());
  await flushed;
  assert.deepEqual(errors, []);
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { logs { lines { text stream } } } }`, {
    id: createRun.id,
  });
  assert.deepEqual(run.logs.lines, [
    { text: 'resolving data', stream: 'STDOUT' },
    { text: 'downloading weights', stream: 'STDERR' },
  ]);
});
