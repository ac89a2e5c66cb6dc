import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { createTestDatabase } from '@runboard/test-kit/db';
import { waitFor, withTimeout } from '@runboard/test-kit/wait';
import pg from 'pg';
import { parse } from 'yaml';
import { ENV_KEYS, loadEnv } from '../src/config/env.ts';
import { migrate } from '../src/db/migrate.ts';

test('env is validated once, with every problem reported together', () => {
  assert.throws(
    () => loadEnv({ PORT: 'eighty', HEARTBEAT_TIMEOUT_SECONDS: '-1', DATABASE_URL: 'mysql://x' }),
    (err: Error) =>
      /PORT/.test(err.message) && /HEARTBEAT_TIMEOUT_SECONDS/.test(err.message) && /DATABASE_URL/.test(err.message),
  );
  const env = loadEnv({ PORT: '', DATABASE_URL: '' });
  assert.equal(env.PORT, 4000);
  assert.equal(env.DATABASE_URL, undefined);
});

test('migrations: Prisma-compatible history, idempotent, safe when several servers boot at once', async () => {
  const db = await createTestDatabase(); // already migrated once
  try {
    const again = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    assert.deepEqual(again, [[], [], []]);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(
      `SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`,
    );
    await c.end();
    const dirs = readdirSync('prisma/migrations', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    assert.deepEqual(
      rows.map((r) => r.migration_name),
      dirs,
      'each migration applied exactly once',
    );
    for (const row of rows) {
      const sql = readFileSync(`prisma/migrations/${row.migration_name}/migration.sql`);
      assert.equal(
        row.checksum,
        createHash('sha256').update(sql).digest('hex'),
        'checksum = sha256 of the file, as Prisma writes it',
      );
      assert.ok(row.finished_at instanceof Date, 'finished');
    }
  } finally {
    await db.drop();
  }
});

test('migrations refuse a non-empty database without history (P3005)', async () => {
  const db = await createTestDatabase();
  try {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('DROP TABLE _prisma_migrations');
    await c.end();
    await assert.rejects(migrate(db.url), /P3005/);
  } finally {
    await db.drop();
  }
});

test('schema.graphql is the committed contract and matches the server (drift check)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/print-schema.ts', '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('docker-compose.yml parses and agrees with the server (ports, env names)', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
  assert.ok(
    ['postgres', 'server', 'agent'].every((k) => k in compose.services),
    Object.keys(compose.services).join(),
  );
  const server = compose.services.server;
  for (const key of Object.keys(server.environment)) assert.ok(ENV_KEYS.includes(key), `unknown env ${key}`);
  assert.deepEqual(server.ports, [`${server.environment.PORT}:${server.environment.PORT}`]);
  const url = new URL(server.environment.DATABASE_URL);
  const pgEnv = compose.services.postgres.environment;
  assert.deepEqual(
    [url.hostname, url.username, url.password, url.pathname.slice(1)],
    ['postgres', pgEnv.POSTGRES_USER, pgEnv.POSTGRES_PASSWORD, pgEnv.POSTGRES_DB],
  );
  assert.equal(server.depends_on.postgres.condition, 'service_healthy');
  assert.ok(compose.services.postgres.healthcheck && server.healthcheck);
  assert.ok(compose.services.postgres.volumes[0].startsWith('pgdata:'));
  for (const [name, service] of Object.entries<any>(compose.services))
    assert.equal(service.restart, 'unless-stopped', `${name} comes back after a crash`);
  assert.match(server.healthcheck.test.join(' '), /healthz/);
  // GPU agents: scalable (no fixed name or host port), reach the server by service name, one GPU each
  const agent = compose.services.agent;
  assert.equal(agent.container_name, undefined);
  assert.equal(agent.ports, undefined);
  const serverFlag = agent.command[agent.command.indexOf('--server') + 1];
  assert.equal(serverFlag, `http://server:${server.environment.PORT}/graphql`);
  assert.deepEqual(agent.deploy.resources.reservations.devices[0], {
    driver: 'nvidia',
    count: 1,
    capabilities: ['gpu'],
  });
  assert.equal(agent.depends_on.server.condition, 'service_healthy');
  const dockerfile = readFileSync(agent.build.dockerfile, 'utf8');
  assert.match(dockerfile, /tfjs-node-gpu@4\.22/);
  assert.match(dockerfile, /trainers\/src\/agent\/cli\.ts/);
});

async function waitForLine(child: ReturnType<typeof spawn>, re: RegExp, timeoutMs: number): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${out}`)), timeoutMs);
    const on = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}

/** Runs scripts/start.ts as `npm start` does, on its own data directory and embedded PostgreSQL port. */
function startScript(t: TestContext, extraEnv: Record<string, string> = {}, args: string[] = []) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'runboard-start-'));
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach the data directory
  const env = {
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: '0',
    WEB: 'off',
    EMBEDDED_PG_PORT: String(55000 + (process.pid % 1000)),
    ...extraEnv,
  };
  const children: ReturnType<typeof spawn>[] = [];
  t.after(() => {
    // A failed assertion must not leave a server (and its PostgreSQL) behind.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Nor its embedded PostgreSQL, which outlives a server killed without its shutdown.
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
      } catch {}
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  const boot = async (ready: RegExp = /GraphQL ready at (\S+)/, timeoutMs = 60_000) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const graphql = waitForLine(child, /GraphQL ready at (\S+)/, timeoutMs);
    graphql.catch(() => {}); // reported through `ready` when the server never comes up
    const line = await waitForLine(child, ready, timeoutMs);
    return { child, url: (await graphql).split(' ').pop()!, line };
  };
  /** Ctrl-C, bounded: a shutdown that hangs fails the test instead of hanging `npm test`. */
  const stop = (child: ReturnType<typeof spawn>) =>
    withTimeout(
      new Promise<number | null>((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
      }),
      30_000,
      'shutdown after SIGINT',
    );
  return { boot, stop };
}

const post = (url: string, query: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  }).then((r) => r.json() as Promise<any>);

test('npm start path: embedded PostgreSQL, migrations, GraphQL, local agent; Ctrl-C stops cleanly and data survives a restart', async (t) => {
  // `npm start -- --entry-point ...`: the local agent offers the program besides the built-in trainer.
  const { boot, stop } = startScript(t, {}, ['--entry-point', 'fit-line=python3 train.py --epochs 3']);
  const first = await boot();
  const created = await post(first.url, `mutation { createExperiment(input: { name: "persisted" }) { id } }`);
  // the embedded default also runs a local trainer agent, so launchRun works with no other set-up. It registers
  // just after the API is ready (it first bundles its trainer), so it is polled for.
  const agents = await waitFor(
    async () => {
      const { data } = await post(first.url, `{ agents { name online entryPoints { name command } } }`);
      return data.agents.length > 0 && data.agents;
    },
    { timeout: 60_000, what: 'the local agent to register' },
  );
  assert.equal(agents.length, 1);
  assert.deepEqual({ ...agents[0], entryPoints: undefined }, { name: 'local', online: true, entryPoints: undefined });
  const offered = agents[0].entryPoints.map((e: any) => [e.name, e.command.slice(1)]);
  assert.deepEqual(offered, [
    ['vgg16', []],
    ['fit-line', ['train.py', '--epochs', '3']],
  ]);
  assert.match(agents[0].entryPoints[1].command[0], /python3$/);
  assert.match(created.data.createExperiment.id, /^[0-9a-f-]{36}$/);
  assert.equal(await stop(first.child), 0);
  const second = await boot();
  const found = await post(second.url, `{ experiment(name: "persisted") { id } }`);
  assert.equal(found.data.experiment.id, created.data.createExperiment.id);
  // Ctrl-C right after the API is up, while the local agent is still starting (bundling its trainer,
  // registering): a clean stop, exit 0, not a failed start.
  assert.equal(await stop(second.child), 0);
});

test('npm start refuses a bad --entry-point before starting anything', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
      // A data directory of its own: were the refusal missing, nothing would start inside the checkout.
      env: {
        ...process.env,
        DATABASE_URL: '',
        WEB: 'off',
        PORT: '0',
        DATA_DIR: path.join(tmpdir(), 'rb-no-start'),
        ...env,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const builtin = run(['--entry-point', 'vgg16=python3 train.py']);
  assert.equal(builtin.status, 1);
  assert.match(builtin.stderr, /--entry-point|vgg16 is the built-in trainer/);
  const noAgent = run(['--entry-point', 'x=python3 train.py'], { LOCAL_AGENT: 'off' });
  assert.equal(noAgent.status, 1);
  assert.match(noAgent.stderr, /LOCAL_AGENT=on/);
});

test('npm start serves the dashboard next to the API, pointed at it', async (t) => {
  const { boot, stop } = startScript(t, { WEB: 'on', WEB_PORT: '0' });
  // The first start builds the dashboard when there is no current build: minutes on a loaded machine.
  const started = await boot(/Dashboard ready at (\S+)/, 900_000);
  const webUrl = started.line.split(' ').pop()!;
  const res = await fetch(webUrl);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<title>Runboard<\/title>/);
  // The dashboard's own /graphql relays to this API: what the API has, the page's data source has too.
  const name = `relay-${Date.now()}`;
  await fetch(started.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation { createExperiment(input: { name: "${name}" }) { id } }` }),
  });
  const relayed = await fetch(`${webUrl.replace(/\/$/, '')}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ experiment(name: "${name}") { name } }` }),
  });
  assert.deepEqual(await relayed.json(), { data: { experiment: { name } } });
  assert.equal(await stop(started.child), 0);
});
