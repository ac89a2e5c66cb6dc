// Clear failures: one class, a stalled mirror (idle timeout), a stop reaching a download in progress,
// and a CLI run that fails before training still recorded on the server as FAILED with its cause.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type DownloadServer, startDownloadServer } from '@runboard/test-kit/download-server';
import { makeImageFolders, TWO_CLASSES, tempDir } from '@runboard/test-kit/images';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { validateConfig } from '../src/config.ts';
import { DownloadCanceledError, type DownloadEntry, fetchCached, idleTimeoutMs } from '../src/data/downloads.ts';
import { randomVggWeights } from '../src/model/weights.ts';
import { NullTracker } from '../src/tracking/tracker.ts';
import { train } from '../src/train/trainer.ts';

const BLOB = Buffer.alloc(200_000, 7);
let files: DownloadServer;
let s: TestServer;

before(async () => {
  files = await startDownloadServer({
    '/stall/blob.bin': { body: BLOB, stallAfter: 1000 },
    '/ok/blob.bin': { body: BLOB },
  });
  s = await startTestServer();
});
after(async () => {
  await files?.close();
  await s?.close();
});

test('one class: the error says how many classes and which, before any tfjs message', async (t) => {
  const root = await tempDir(t);
  const dirs = await makeImageFolders(root, TWO_CLASSES.slice(0, 1), { train: 4, validation: 2 }, 32, 3);
  const cfg = validateConfig({ experiment: 'one', train: dirs.train, val: dirs.validation, size: 32, offline: true });
  await assert.rejects(
    train(cfg, { tracker: new NullTracker(), weights: randomVggWeights(1), systemMetricsMs: 0 }),
    /^Error: training data has 1 class \(cats\); need 2 or more/,
  );
});

test('a stalled mirror is abandoned after the idle timeout; the partial file is kept for a resume', async (t) => {
  const cacheDir = await tempDir(t);
  const table: Record<string, DownloadEntry> = { blob: { url: files.url('/stall/blob.bin') } };
  const t0 = performance.now();
  await assert.rejects(
    fetchCached('blob', table, { cacheDir, progress: () => {}, idleMs: 400 }),
    /could not download blob\.bin from .* \(no data received for 0\.4 s \(RUNBOARD_DOWNLOAD_IDLE_SECONDS\)\)/,
  );
  assert.ok(performance.now() - t0 < 20_000, 'waited far longer than the idle timeout');
  assert.equal((await stat(join(cacheDir, 'blob.bin.part'))).size, 1000);
  assert.equal(idleTimeoutMs({}), 60_000);
  assert.equal(idleTimeoutMs({ RUNBOARD_DOWNLOAD_IDLE_SECONDS: '5' }), 5000);
  // a mirror that delivers is unaffected by a short idle timeout
  const ok = await fetchCached(
    'blob',
    { blob: { url: files.url('/ok/blob.bin') } },
    {
      cacheDir: join(cacheDir, 'ok'),
      progress: () => {},
      idleMs: 400,
    },
  );
  assert.equal(ok.bytes, BLOB.length);
});

test('a stop reaches a download in progress at once', async (t) => {
  const cacheDir = await tempDir(t);
  const stop = new AbortController();
  const t0 = performance.now();
  await assert.rejects(
    fetchCached(
      'blob',
      { blob: { url: files.url('/stall/blob.bin') } },
      {
        cacheDir,
        progress: () => stop.abort('SIGTERM'),
        idleMs: 60_000,
        signal: stop.signal,
      },
    ),
    (e: Error) => e instanceof DownloadCanceledError && /download of blob\.bin canceled: SIGTERM/.test(e.message),
  );
  assert.ok(performance.now() - t0 < 10_000);
});

function runTrain(args: string[], env: NodeJS.ProcessEnv, onOutput?: (out: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'trainers/src/cli.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      onOutput?.(out, () => child.kill('SIGTERM'));
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function manifestFor(dir: string, entry: DownloadEntry): Promise<NodeJS.ProcessEnv> {
  const manifest = join(dir, 'downloads.json');
  await writeFile(manifest, JSON.stringify({ cats_and_dogs_filtered: entry }));
  return { RUNBOARD_DOWNLOADS_MANIFEST: manifest, RUNBOARD_CACHE_DIR: join(dir, 'cache'), HOME: dir };
}

const args = (dir: string, name: string) => [
  ...['--experiment', 'early-failures', '--name', name, '--data', 'cats_vs_dogs', '--weights', 'random'],
  ...['--size', '32', '--epochs', '1', '--server', s.url, '--journal', join(dir, `${name}.jsonl`)],
];

test('CLI: a run failing before training (bad hash) is on the server as FAILED with the cause', async (t) => {
  const dir = await tempDir(t);
  const env = await manifestFor(dir, { url: files.url('/ok/blob.bin'), sha256: 'ab'.repeat(32) });
  const r = await runTrain(args(dir, 'bad-hash'), env);
  assert.equal(r.code, 1, r.out);
  const { experiment } = await s.gql(
    `{ experiment(name: "early-failures") { runs { nodes { name status errorMessage systemInfo } } } }`,
  );
  const run = experiment.runs.nodes.find((n: { name: string }) => n.name === 'bad-hash');
  assert.equal(run?.status, 'FAILED', JSON.stringify(experiment));
  assert.match(run.errorMessage, /^blob\.bin from http:\/\/127\.0\.0\.1:\d+\/ok\/blob\.bin failed its hash check/);
  assert.equal(run.systemInfo.failedBeforeTraining, true);
});

test('CLI: SIGTERM (an agent cancelling) during a stalled download ends the trainer promptly', async (t) => {
  const dir = await tempDir(t);
  const sha = createHash('sha256').update(BLOB).digest('hex');
  const env = await manifestFor(dir, { url: files.url('/stall/blob.bin'), sha256: sha });
  let killedAt = 0;
  const r = await runTrain(args(dir, 'stalled'), env, (out, kill) => {
    if (!killedAt && /downloading data: /.test(out)) {
      killedAt = performance.now();
      kill();
    }
  });
  assert.ok(killedAt > 0, r.out);
  assert.equal(r.code, 143, r.out);
  assert.ok(performance.now() - killedAt < 15_000, 'the download held the trainer after SIGTERM');
  await rm(join(dir, 'cache'), { recursive: true, force: true });
});
