/**
 * The dashboard's own server side of authentication. The browser never holds an API key: signing in posts the
 * key once to /api/session, which checks it against the API and answers with a session cookie (httpOnly,
 * SameSite=Strict, random 256-bit id). The key stays in this process's memory, mapped from the session id.
 * All GraphQL traffic of the dashboard goes through this server (/graphql over HTTP and WebSocket, and
 * artifact downloads), which adds `Authorization: Bearer <key>` for the session.
 *
 * Why a server-side session rather than the key sealed into the cookie: signing out really ends the session,
 * nothing key-derived ever reaches the browser, and there is no secret to configure. The cost: restarting the
 * dashboard signs everyone out (sessions also expire after SESSION_HOURS).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLClient } from '@runboard/client';
import { WebSocket, WebSocketServer } from 'ws';

const COOKIE = 'runboard_session';
const SESSION_HOURS = 12;
const MAX_BODY = 16 * 1024;

interface Session {
  key: string;
  expires: number;
}

export interface SessionProxyOptions {
  /** The API's GraphQL URL, e.g. http://127.0.0.1:4000/graphql. */
  apiUrl: string;
  /** The address this server binds; on loopback, Host headers must name a loopback host. */
  host: string;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export class SessionProxy {
  private readonly sessions = new Map<string, Session>();
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => [...p][0] ?? false });
  private readonly apiOrigin: string;
  /** GraphQL calls of its own (who a key is); one attempt, so signing in never hangs on a dead API. */
  private readonly api: GraphQLClient;

  constructor(private readonly opts: SessionProxyOptions) {
    this.apiOrigin = new URL(opts.apiUrl).origin;
    this.api = new GraphQLClient({ url: opts.apiUrl, retry: false });
    sessionRegistry().add(this);
  }

  /** The key behind a session id (the cookie's value), for this process's server rendering; null if none. */
  keyForSession(sid: string): string | null {
    const s = this.sessions.get(sid);
    if (!s) return null;
    if (s.expires < Date.now()) {
      this.sessions.delete(sid);
      return null;
    }
    return s.key;
  }

  /** Handles the request when it is ours (/api/session, /graphql, /artifacts/...); false: hand it to Next. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0]!;
    const ours = path === '/api/session' || path === '/graphql' || path.startsWith('/artifacts/');
    if (!this.hostAllowed(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Host not allowed: use localhost or 127.0.0.1.');
      return true;
    }
    if (!ours) return false;
    // Cross-site pages cannot read our answers (no CORS headers) nor send our cookie (SameSite=Strict); refusing
    // foreign Origins as well keeps them from even making the API act.
    if (!this.sameOrigin(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Cross-origin requests are not allowed.');
      return true;
    }
    if (path === '/api/session') await this.session(req, res);
    else await this.forward(req, res);
    return true;
  }

  /** WebSocket upgrades on /graphql are relayed to the API with the session's key; false: not ours. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if ((req.url ?? '').split('?')[0] !== '/graphql') return false;
    if (!this.hostAllowed(req) || !this.sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return true;
    }
    const key = this.sessionKey(req);
    this.wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(this.opts.apiUrl.replace(/^http/, 'ws'), client.protocol || undefined, {
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
      const pending: { data: WebSocket.RawData; binary: boolean }[] = [];
      client.on('message', (data, binary) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
        else pending.push({ data, binary });
      });
      upstream.on('open', () => {
        for (const m of pending.splice(0)) upstream.send(m.data, { binary: m.binary });
      });
      upstream.on('message', (data, binary) => client.send(data, { binary }));
      // Close codes carry meaning in graphql-ws (4403 forbidden, 4400 bad request): pass them on.
      const safeCode = (c: number) => (c >= 4000 || c === 1000 ? c : 1011);
      // 4401: the API ended the socket because the key was revoked or deleted (it LISTENs for key changes), so
      // every dashboard session holding that key ends with it, within the same second.
      upstream.on('close', (code, reason) => {
        if (code === 4401 && key) this.endSessionsOf(key);
        client.close(safeCode(code), reason);
      });
      upstream.on('error', () => client.close(1011, 'API unreachable'));
      client.on('close', () => upstream.close());
      client.on('error', () => upstream.terminate());
    });
    return true;
  }

  private async session(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'GET') {
      const viewer = await this.viewer(this.sessionKey(req));
      return json(res, viewer ? 200 : 502, viewer ?? { error: 'The API did not answer.' });
    }
    if (req.method === 'DELETE') {
      const sid = cookieValue(req);
      if (sid) this.sessions.delete(sid);
      res.setHeader('set-cookie', this.cookie('', 0, req));
      return json(res, 200, { signedIn: false });
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'GET, POST or DELETE' });
    let key = '';
    try {
      key = String((JSON.parse(await readBody(req)) as { key?: unknown }).key ?? '').trim();
    } catch {
      return json(res, 400, { error: 'Send JSON: { "key": "..." }' });
    }
    const viewer = key ? await this.viewer(key) : null;
    if (!viewer?.authenticated || !viewer.authRequired) {
      return json(res, 401, { error: viewer ? 'That key is not valid.' : 'The API did not answer.' });
    }
    this.prune();
    const sid = randomBytes(32).toString('base64url');
    this.sessions.set(sid, { key, expires: Date.now() + SESSION_HOURS * 3600_000 });
    res.setHeader('set-cookie', this.cookie(sid, SESSION_HOURS * 3600, req));
    return json(res, 200, { ...viewer, signedIn: true });
  }

  /** Who the key is, asked of the API (viewer answers without a key, too). */
  private async viewer(key: string | null) {
    try {
      const res = await this.api.execute<{ viewer: { authRequired: boolean; authenticated: boolean } }>(
        '{ viewer { authRequired authenticated keyName scopes experiments } }',
        {},
        { apiKey: key, timeoutMs: 10_000 },
      );
      if (res.status === 401)
        return {
          authRequired: true,
          authenticated: false,
          keyName: null,
          scopes: [],
          experiments: null,
          signedIn: false,
        };
      if (!res.data) return null;
      return { ...res.data.viewer, signedIn: Boolean(key) && res.data.viewer.authenticated };
    } catch {
      return null;
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse) {
    const key = this.sessionKey(req);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'accept', 'apollo-require-preflight', 'if-none-match', 'range']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (key) headers.authorization = `Bearer ${key}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    try {
      const upstream = await fetch(this.apiOrigin + (req.url ?? '/'), {
        method: req.method,
        headers,
        body: hasBody ? (req as unknown as ReadableStream) : undefined,
        // @ts-expect-error Node's fetch needs this to stream a request body
        duplex: hasBody ? 'half' : undefined,
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-encoding', 'transfer-encoding', 'connection', 'access-control-allow-origin', 'vary'].includes(k))
          out[k] = v;
      });
      // The key stopped working (revoked, deleted): the session ends, and the browser's cookie with it.
      if (upstream.status === 401 && key) {
        this.endSessionsOf(key);
        out['set-cookie'] = this.cookie('', 0, req);
      }
      res.writeHead(upstream.status, out);
      if (upstream.body)
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      res.end();
    } catch {
      if (!res.headersSent)
        json(res, 502, { errors: [{ message: 'The API did not answer.', extensions: { code: 'API_UNREACHABLE' } }] });
      else res.destroy();
    }
  }

  private sessionKey(req: IncomingMessage): string | null {
    const sid = cookieValue(req);
    return sid ? this.keyForSession(sid) : null;
  }

  private endSessionsOf(key: string) {
    for (const [sid, s] of this.sessions) if (s.key === key) this.sessions.delete(sid);
  }

  private prune() {
    const now = Date.now();
    for (const [sid, s] of this.sessions) if (s.expires < now) this.sessions.delete(sid);
  }

  private cookie(value: string, maxAge: number, req: IncomingMessage): string {
    const secure = req.headers['x-forwarded-proto'] === 'https' || (req.socket as { encrypted?: boolean }).encrypted;
    return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }

  /** DNS rebinding: on a loopback bind, only loopback host names (any port: SSH tunnels forward other ports). */
  private hostAllowed(req: IncomingMessage): boolean {
    if (!isLoopback(this.opts.host)) return true;
    return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '');
  }

  /** Browsers send Origin on POST and WebSocket; it must be this server itself. No Origin: not a browser page. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  close() {
    sessionRegistry().delete(this);
    this.api.close();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.sessions.clear();
  }
}

/**
 * The proxies of this process, on globalThis: Next compiles the pages' server code into its own module graph,
 * so a module-level variable here would not be the one server-api.ts sees. Server rendering looks the browser's
 * session up here to prefetch with its key (a missing run then answers 404 with keys required, too); the key
 * never leaves this process.
 */
const REGISTRY = Symbol.for('runboard.session-proxies');
function sessionRegistry(): Set<SessionProxy> {
  const g = globalThis as { [REGISTRY]?: Set<SessionProxy> };
  g[REGISTRY] ??= new Set();
  return g[REGISTRY];
}

function cookieValue(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=') || null;
  }
  return null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
