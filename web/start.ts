/**
 * Programmatic start of the dashboard (used by `npm start` via server/src/main.ts, the web tests and
 * bench/web.ts): Next.js with `dir: web` behind a plain node http server.
 *
 * The API URL is handed over at runtime (RUNBOARD_API_URL, read by the root layout per request), so the
 * same production build works against any server. A production build is made first when there is none
 * or when web sources changed since the last one (a source hash is kept in .next/).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionProxy } from './session-proxy.ts';

/**
 * The part of Next's programmatic API used here. Loaded with require rather than `import next from
 * 'next'`: importing Next's types would pull its global declarations (e.g. a required
 * ProcessEnv.NODE_ENV) into the root TypeScript program, which includes this file via the tests.
 */
interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => Promise<void>;
  getUpgradeHandler(): (
    req: import('node:http').IncomingMessage,
    socket: import('node:stream').Duplex,
    head: Buffer,
  ) => Promise<void>;
  close(): Promise<void>;
}
type NextFactory = (opts: {
  dev: boolean;
  dir: string;
  hostname: string;
  port: number;
  quiet: boolean;
  httpServer: Server;
}) => NextApp;
const require = createRequire(import.meta.url);

export interface StartWebOptions {
  port: number;
  apiUrl: string;
  dev?: boolean;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /** Called with build progress lines; default: silent unless the build fails. */
  log?: (line: string) => void;
}

export interface RunningWeb {
  url: string;
  stop(): Promise<void>;
}

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
const HASH_FILE = path.join(WEB_DIR, '.next', 'runboard-source-hash');

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/**
 * Hash of everything that goes into the build: sources (the app's and the workspace packages it compiles
 * with it, see transpilePackages), config and the dependency lockfile.
 */
export function sourceHash(): string {
  const h = createHash('sha256');
  const files = ['src', '../contract/src', '../client/src'].flatMap((d) => [...walk(path.join(WEB_DIR, d))].sort());
  for (const f of [
    ...files,
    path.join(WEB_DIR, 'next.config.ts'),
    path.join(WEB_DIR, 'tsconfig.json'),
    path.join(WEB_DIR, '..', 'package-lock.json'),
  ]) {
    if (!fs.existsSync(f)) continue;
    h.update(path.relative(WEB_DIR, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

export function buildIsFresh(): boolean {
  if (!fs.existsSync(path.join(WEB_DIR, '.next', 'BUILD_ID'))) return false;
  try {
    return fs.readFileSync(HASH_FILE, 'utf8').trim() === sourceHash();
  } catch {
    return false;
  }
}

/** `next build web` in a child process (it spawns workers and sets process-wide state). */
export async function buildWeb(log?: (line: string) => void): Promise<void> {
  const hash = sourceHash();
  const nextBin = require.resolve('next/dist/bin/next');
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build', WEB_DIR], {
      cwd: path.join(WEB_DIR, '..'),
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) {
        output.push(line);
        log?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code}):\n${output.slice(-40).join('\n')}`)),
    );
  });
  fs.writeFileSync(HASH_FILE, hash);
}

export async function startWeb(opts: StartWebOptions): Promise<RunningWeb> {
  const dev = opts.dev ?? false;
  const host = opts.host ?? '127.0.0.1';
  if (!dev && !buildIsFresh()) await buildWeb(opts.log);
  // Read by the root layout at request time.
  process.env.RUNBOARD_API_URL = opts.apiUrl;
  // The browser talks only to this server: /graphql (HTTP and WebSocket) is relayed to the API with the
  // signed-in session's key, so API keys never reach browser JavaScript (web/session-proxy.ts).
  const proxy = new SessionProxy({ apiUrl: opts.apiUrl, host });
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  // The compare view keeps its selection in the URL (any number of runs): Node's default 16 KiB
  // header limit would refuse ~400 run ids with 431; 1 MiB holds ~28,000.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 });
  const mod = require('next') as NextFactory | { default: NextFactory };
  const next = typeof mod === 'function' ? mod : mod.default;
  const app = next({ dev, dir: WEB_DIR, hostname: host, port: opts.port, quiet: !dev, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  server.on('request', async (req, res) => {
    try {
      if (await proxy.handle(req, res)) return;
    } catch (err) {
      console.error('[web] proxy failed', err);
      if (!res.headersSent) res.writeHead(502).end('API proxy failed');
      return;
    }
    handle(req, res).catch((err: unknown) => {
      console.error('[web] request failed', err);
      if (!res.headersSent) res.writeHead(500).end('Internal error');
    });
  });
  const nextUpgrade = dev ? app.getUpgradeHandler() : null;
  server.on('upgrade', (req, socket, head) => {
    if (proxy.upgrade(req, socket, head)) return;
    if (nextUpgrade) void nextUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async stop() {
      await new Promise<void>((resolve) => {
        proxy.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
    },
  };
}

// `npx tsx web/start.ts`: the dashboard alone, against RUNBOARD_API_URL (its server relays /graphql and sessions,
// which `next start` alone would not). WEB_PORT (3000) and HOST (127.0.0.1) as for `npm start`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const apiUrl = process.env.RUNBOARD_API_URL ?? 'http://127.0.0.1:4000/graphql';
  startWeb({ port: Number(process.env.WEB_PORT ?? 3000), host: process.env.HOST, apiUrl, log: console.log }).then(
    (w) => console.log(`Dashboard ready at ${w.url} (API ${apiUrl})`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
