/**
 * Loopback HTTP stand-ins in front of the real server, for what the server itself does not do on demand:
 * answer 429, or act on a request and lose the answer (the connection drops before it arrives).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface Hop {
  /** When the proxy saw each request, in ms since the epoch. */
  at: number;
  body: string;
}

export interface TestProxy {
  url: string;
  hops: Hop[];
  close(): Promise<void>;
}

/** How the proxy treats request number `n` (0-based): answer it itself, or forward it (and maybe drop the answer). */
export type Plan = (
  n: number,
) => { status: number; headers?: Record<string, string>; body: string } | 'forward' | 'drop-answer';

function forward(
  target: URL,
  req: http.IncomingMessage,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const out = http.request(target, { method: 'POST', headers: { ...req.headers, host: target.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}

export async function startProxy(serverUrl: string, plan: Plan): Promise<TestProxy> {
  const target = new URL(serverUrl);
  const hops: Hop[] = [];
  const proxy = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const step = plan(hops.length);
    hops.push({ at: Date.now(), body });
    if (step === 'forward' || step === 'drop-answer') {
      const answer = await forward(target, req, body);
      // The server has acted; the client never learns it.
      if (step === 'drop-answer') return req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
      return res.end(answer.text);
    }
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(step.body);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    hops,
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}

/** A TCP pass-through that can be cut (every connection dropped, new ones refused) and restored. */
export async function cuttableTcp(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let srv: net.Server;
  let port = 0;
  const restore = () =>
    new Promise<void>((resolve) => {
      srv = net.createServer((c) => {
        const s = net.connect(Number(target.port), target.hostname);
        sockets.add(c).add(s);
        c.pipe(s).pipe(c);
        const end = () => {
          c.destroy();
          s.destroy();
        };
        c.on('error', end).on('close', end);
        s.on('error', end).on('close', end);
      });
      srv.listen(port, '127.0.0.1', () => {
        port = (srv.address() as AddressInfo).port;
        resolve();
      });
    });
  await restore();
  const cut = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((r) => srv.close(() => r()));
  };
  return { url: `http://127.0.0.1:${port}/graphql`, cut, restore };
}
