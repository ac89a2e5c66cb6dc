/**
 * One HTTP POST, on a kept-alive connection pool (node:http costs the client less CPU than fetch, which
 * matters to benchmarks sharing the machine with the server). It never throws for an HTTP status: the
 * caller judges the answer (retry.ts). A failure before any answer carries the socket error's code.
 */
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export class SendError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** The request went out on a kept-alive socket (see retry.ts: such a reset means "not sent"). */
    readonly reusedSocket: boolean,
    /** The caller's own signal ended it (close()): never retried. */
    readonly aborted: boolean,
  ) {
    super(message);
  }
}

export interface SendOptions {
  /** Another path on the same origin (the MLflow routes beside /graphql); the GraphQL URL when absent. */
  path?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A kept-alive socket idle this long is closed by the client. A server closes idle sockets too (Node's default
 * keepAliveTimeout is 5 s; ours announces 30 s): a request written on a socket the server is closing at that
 * moment fails with ECONNRESET, and whether the server acted is then unknown to the caller. So the client must
 * give idle sockets up first. Node's agent lowers this to 1 s under the server's `Keep-Alive: timeout=N` hint,
 * but only when the agent has a timeout of its own: without one it keeps idle sockets for ever (Node 20).
 * The agent's timeout closes only sockets in its free list; a request in flight is bounded by timeoutMs.
 */
export const IDLE_SOCKET_MS = 4000;

export class Transport {
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;

  constructor(
    readonly url: URL,
    maxSockets = 16,
  ) {
    this.lib = url.protocol === 'https:' ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });
  }

  post(body: string, o: SendOptions): Promise<Answer> {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    return new Promise((resolve, reject) => {
      const req = this.lib.request(o.path ? new URL(o.path, this.url) : this.url, {
        agent: this.agent,
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers },
      });
      const fail = (err: NodeJS.ErrnoException) => {
        const why = timeout.aborted ? `no answer within ${o.timeoutMs} ms` : err.message;
        const code = timeout.aborted ? 'ETIMEDOUT' : err.code;
        reject(new SendError(why, code, req.reusedSocket, Boolean(o.signal?.aborted)));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
