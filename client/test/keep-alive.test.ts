// Kept-alive sockets: the client gives an idle socket up before the server would close it, so no request is
// ever written on a socket the server is closing (the ECONNRESET bench:load --ramp met at 150 trainers).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, test } from 'node:test';
import { GraphQLClient } from '@runboard/client';
import { startTestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';

/** A plain HTTP server answering `{}` that records, per connection, who closed it. */
async function recordingServer(keepAliveTimeout: number) {
  const closes: { byClient: boolean; byServerTimeout: boolean }[] = [];
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"data":{}}');
  });
  server.keepAliveTimeout = keepAliveTimeout;
  server.on('connection', (socket: Socket) => {
    const c = { byClient: false, byServerTimeout: false };
    socket.on('end', () => (c.byClient = true)); // the client's FIN
    socket.on('timeout', () => (c.byServerTimeout = true)); // the server's keep-alive timer
    socket.on('close', () => closes.push(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/graphql`, closes, close: () => server.close() };
}

test('an idle kept-alive socket is closed by the client, well before the server would close it', async (t) => {
  // 30 s: the server's own keep-alive timeout (config/env.ts BOUNDS). Without an idle bound the client keeps
  // the socket until the server closes it, and a request sent at that moment is reset.
  const server = await recordingServer(30_000);
  t.after(() => server.close());
  const client = new GraphQLClient({ url: server.url, retry: false });
  t.after(() => client.close());
  await client.request('{ a }');
  await waitFor(() => server.closes.length === 1, { what: 'the idle socket to be closed', timeout: 15_000 });
  assert.deepEqual(server.closes, [{ byClient: true, byServerTimeout: false }]);
});

test('a request slower than the idle bound is not cut by it', async (t) => {
  const server = createServer((_req, res) => setTimeout(() => res.end('{"data":{"slow":true}}'), 5000));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const client = new GraphQLClient({ url: `http://127.0.0.1:${port}/graphql`, retry: false, timeoutMs: 30_000 });
  t.after(() => client.close());
  assert.deepEqual(await client.request('{ slow }'), { slow: true });
});

const s = await startTestServer();
after(() => s.close());

test("the server announces a keep-alive timeout longer than the client's idle bound", async () => {
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await res.text();
  assert.equal(res.headers.get('keep-alive'), 'timeout=30');
});
