// `npm test`: checks the machine has what the suite needs, runs lint, type-checks and drift checks, then every
// test file (node's runner) against one PostgreSQL for the whole run: DATABASE_URL when set (CI may point it at
// a service), otherwise one embedded PostgreSQL started here and stopped at the end. Each test file creates its
// own database on it. `npm test -- server/test/x.test.ts ...` runs only those files (checks included). Tests sit
// beside their package (<workspace>/test) and end-to-end ones in the root test/; every one of those folders is walked.
// Two files run at a time (TEST_CONCURRENCY): most files spend their time waiting on servers, browsers and child
// processes, and every file has its own database and ports, so two share a 2-core machine with room to spare.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '@runboard/server/testing';
import { buildIsFresh, buildWeb } from '@runboard/web/start';
// @ts-expect-error: a plain .mjs reporter with no declaration file.
import { slowestFilesReport } from './slowest-files-reporter.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
/** The Python client's tests run Debian's interpreter (the `python3` first on PATH may be another one). */
const PYTHON = '/usr/bin/python3';
const PYTHON_PACKAGES = 'python3-torch python3-pandas python3-h5py python3-setuptools python3-pip';
/** Per test: generous for a loaded 2-core machine, but a hung test fails the run instead of stalling it. */
const TEST_TIMEOUT_MS = 10 * 60_000;
const CONCURRENCY = Number(process.env.TEST_CONCURRENCY ?? 2);
/**
 * The longest files (from the run's own "slowest test files" report) start first, so the run does not end with one
 * long file alone on a core. A file missing here only starts later; keep the list to the few that dominate.
 */
const LONGEST_FIRST = [
  'trainers/test/ort-conv-kernels.test.ts',
  'test/web/dashboard.test.ts',
  'test/server/launch.test.ts',
  'test/web/table.test.ts',
  'server/test/metric-chunks.test.ts',
  'trainers/test/tracking-server.test.ts',
  'test/web/defects.test.ts',
  'test/web/sign-in.test.ts',
  'trainers/test/failures.test.ts',
  'test/trainer/entry-points-e2e.test.ts',
];

function preflight(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM))
    missing.push(`chromium (the dashboard's browser tests run it at ${CHROMIUM}; or set CHROMIUM)`);
  if (!existsSync(FASHION_MNIST))
    missing.push(`dataset-fashion-mnist (the trainer's real-data tests read ${FASHION_MNIST})`);
  const py = spawnSync(PYTHON, ['-c', 'import torch, pandas, h5py, setuptools, pip'], { encoding: 'utf8' });
  if (py.status !== 0)
    missing.push(
      `${PYTHON_PACKAGES} (test/python runs ${PYTHON} with them: ${(py.stderr || String(py.error)).trim().split('\n').at(-1)})`,
    );
  if (missing.length === 0) return;
  console.error(
    `npm test needs packages this machine does not have:\n${missing.map((m) => `  - ${m}`).join('\n')}\n` +
      `On Debian/Ubuntu: sudo apt-get install chromium dataset-fashion-mnist ${PYTHON_PACKAGES}`,
  );
  process.exit(1);
}

function testFiles(args: string[]): string[] {
  if (args.length) return args;
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) found.push(p);
    }
  };
  const { workspaces } = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces: string[] };
  for (const dir of ['test', ...workspaces.map((w) => path.join(w, 'test'))]) if (existsSync(dir)) walk(dir);
  const rank = (f: string) => {
    const i = LONGEST_FIRST.indexOf(f);
    return i === -1 ? LONGEST_FIRST.length : i;
  };
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A port nothing listens on now, so a second checkout's test run (or a left-over server) cannot collide. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

let current: ChildProcess | null = null;
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    current = spawn(cmd, args, { stdio: 'inherit', env });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  preflight();
  for (const script of ['lint', 'typecheck', 'schema:check', 'codegen:check']) {
    const code = await run('npm', ['run', '-s', script]);
    if (code !== 0) {
      console.error(`npm test: \`npm run ${script}\` failed`);
      return code;
    }
  }
  let stopDatabase: (() => Promise<void>) | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = process.env.TEST_PG_PORT ? Number(process.env.TEST_PG_PORT) : await freePort();
    const db = await startEmbeddedPostgres('.data/test-pg', port, (m) => console.log(`[test] ${m}`), true);
    stopDatabase = db.stop;
    databaseUrl = db.url;
    console.log(`[test] embedded PostgreSQL on port ${port} for this run`);
  }
  const stop = async () => {
    current?.kill('SIGTERM');
    await stopDatabase?.();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(130)));
  }
  const files = testFiles(process.argv.slice(2));
  // Browser tests start the dashboard's production build; build it once here, not in two files at once.
  if (files.some((f) => f.includes('/web/')) && !buildIsFresh()) {
    console.log('[test] building the dashboard (web sources changed since the last build)');
    await buildWeb();
  }
  const slowestOut = path.join(mkdtempSync(path.join(tmpdir(), 'runboard-test-')), 'file-times.tsv');
  try {
    return await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${CONCURRENCY}`,
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        // A file whose tests are done must not keep the run waiting on a leftover handle.
        '--test-force-exit',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=./scripts/slowest-files-reporter.mjs',
        '--test-reporter-destination=stdout',
        ...files,
      ],
      { ...process.env, DATABASE_URL: databaseUrl, SLOWEST_FILES_OUT: slowestOut },
    );
  } finally {
    if (existsSync(slowestOut)) console.log(`\n${slowestFilesReport(readFileSync(slowestOut, 'utf8'))}`);
    await stopDatabase?.();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
