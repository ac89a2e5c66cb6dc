// npm run train -- --experiment cats-vs-dogs --train data/train --val data/validation [...]
// Exit codes: 0 finished, 1 failed, 2 bad config, 130/143 stopped by SIGINT/SIGTERM.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, configFromArgs, type TrainConfig } from './config.ts';
import { initTfjsBackend } from './engines/tfjs-backend.ts';
import { loadVggWeights } from './model/load-weights.ts';
import { hashWeights } from './model/weights.ts';
import { RunboardClient } from './tracking/graphql-client.ts';
import { replayJournalFile, ServerTracker } from './tracking/server-tracker.ts';
import { NullTracker, type Tracker } from './tracking/tracker.ts';
import type { StopSignal } from './train/epoch-loop.ts';
import { TerminalProgress } from './train/progress.ts';
import { hostInfo } from './train/system-info.ts';
import { defaultRunName, train } from './train/trainer.ts';
import { readApiKey, rejectsKeyInArgv } from './util/api-key.ts';

const err = (s: string) => process.stderr.write(`${s}\n`);

async function replay(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'replay-journal': { type: 'string' }, server: { type: 'string' }, 'api-key-file': { type: 'string' } },
  });
  const server = values.server ?? process.env.RUNBOARD_SERVER;
  if (!server || !values['replay-journal']) {
    err('usage: npm run train -- --replay-journal FILE --server URL [--api-key-file F]  (or RUNBOARD_API_KEY)');
    return 2;
  }
  const client = new RunboardClient({ url: server, apiKey: readApiKey(values['api-key-file']) });
  const r = await replayJournalFile(client, values['replay-journal'], err);
  err(`replayed ${r.delivered} call(s); ${r.left} left${r.left ? ' (server unreachable)' : ''}`);
  return r.left ? 1 : 0;
}

function makeTracker(cfg: TrainConfig, stop: StopSignal, aborter: AbortController): Tracker {
  if (cfg.offline || !cfg.server) {
    err(cfg.offline ? 'offline: metrics are not sent to a server' : 'no --server given: running offline');
    return new NullTracker();
  }
  const journal =
    cfg.journal ??
    join(
      '.data',
      'journal',
      `${cfg.runId ?? `${cfg.experiment}-${defaultRunName(cfg)}`}.jsonl`.replace(/[^\w.-]+/g, '_'),
    );
  return new ServerTracker({
    client: new RunboardClient({ url: cfg.server, apiKey: cfg.apiKey }),
    journalPath: journal,
    heartbeatSeconds: cfg.heartbeatSeconds,
    existingRunId: cfg.runId,
    onCanceled: () => {
      if (stop.requested) return;
      stop.requested = true;
      stop.reason = 'run canceled on the server';
      aborter.abort(stop.reason);
      err('\nrun was canceled on the server: stopping after the current batch');
    },
    log: err,
  });
}

/** The run that never started, created and marked FAILED with the cause (an agent's run is the agent's to report). */
async function recordEarlyFailure(tracker: Tracker, cfg: TrainConfig, cause: string): Promise<void> {
  try {
    await tracker.start({
      experimentName: cfg.experiment,
      name: cfg.name ?? defaultRunName(cfg),
      config: { ...cfg, apiKey: undefined },
      tags: cfg.tags,
      systemInfo: { ...hostInfo(), failedBeforeTraining: true },
    });
    await tracker.finish('FAILED', 1, cause);
  } catch (e) {
    err(`could not record the failed run on the server: ${(e as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const keyInArgv = rejectsKeyInArgv(argv);
  if (keyInArgv) {
    err(keyInArgv);
    return 2;
  }
  if (argv.includes('--replay-journal')) return replay(argv);
  let cfg: TrainConfig;
  try {
    cfg = await configFromArgs(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  // Pin the run name now so the journal file and the run agree.
  cfg = { ...cfg, name: defaultRunName(cfg) };
  const aborter = new AbortController();
  const stop: StopSignal = { requested: false, signal: aborter.signal };
  let signalCode = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop.requested && signalCode) {
      err(`\n${sig} again: aborting now`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    signalCode = sig === 'SIGINT' ? 130 : 143;
    stop.requested = true;
    stop.reason = sig;
    aborter.abort(sig);
    err(`\n${sig}: stopping after the current batch (send it again to abort immediately)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Started by an agent (IPC channel): if the agent dies (kill -9), its lease lapses and the run may be
  // requeued elsewhere, so this trainer must not go on. The channel must not keep a finished trainer alive.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => {
      err('agent went away: stopping now');
      process.exit(1);
    });
  }

  const tracker = makeTracker(cfg, stop, aborter);
  let started = false;
  const startTracker = tracker.start.bind(tracker);
  tracker.start = async (info) => {
    started = true;
    await startTracker(info);
  };
  try {
    const r = await train(cfg, { tracker, stop, progress: new TerminalProgress() });
    const code = r.status === 'CANCELED' ? signalCode : 0;
    await tracker.finish(r.status, code);
    const last = r.history.at(-1)?.metrics;
    err(
      `${r.status}: ${r.runName}${tracker.runId ? ` (run ${tracker.runId})` : ''}` +
        (last?.val_acc !== undefined ? `, val_acc=${last.val_acc.toFixed(4)}` : '') +
        (r.test ? `, test_acc=${r.test.acc.toFixed(4)}` : '') +
        `, model in ${r.modelDir}`,
    );
    return code;
  } catch (e) {
    // The cause goes first and alone into the run's errorMessage; the stack only into the logs.
    // The last line, "error: <cause>", is what an agent reports when the run never started.
    const cause = (e as Error).message ?? String(e);
    err(`training failed: ${(e as Error).stack ?? String(e)}`);
    err(`error: ${cause}`);
    if (stop.requested && signalCode) {
      if (started) await tracker.finish('CANCELED', signalCode);
      return signalCode;
    }
    if (started) await tracker.finish('FAILED', 1, cause);
    // A run of its own that failed before training (bad hash, missing data): created now, so it is on record.
    else if (!cfg.runId && !(tracker instanceof NullTracker)) await recordEarlyFailure(tracker, cfg, cause);
    return 1;
  }
}

/**
 * `--warm-spare` (started by an agent ahead of time): everything is imported and the tfjs backend is
 * initialised now, then the process waits for its run's argv and environment over IPC. Start-up (~3.5 s
 * of CPU here, most of a run on cached features) is then paid while the previous run trains.
 */
async function argvOrWork(argv: string[]): Promise<string[]> {
  if (argv[0] !== '--warm-spare') return argv;
  process.once('disconnect', () => process.exit(0)); // agent gone before handing over a run
  await initTfjsBackend('auto').catch(() => {});
  // The weights file the agent's previous run used (most likely the next one's too): parsed now.
  if (argv[1] === '--preload-weights' && argv[2])
    await loadVggWeights(argv[2], 0)
      .then((w) => hashWeights(w, 'block5_pool')) // the feature cache's key for a frozen base
      .catch(() => {});
  const work = await new Promise<{ argv: string[]; env: Record<string, string> }>((resolve) =>
    process.once('message', (m) => resolve(m as { argv: string[]; env: Record<string, string> })),
  );
  process.removeAllListeners('disconnect');
  Object.assign(process.env, work.env);
  err(`warm trainer (pid ${process.pid}): modules and tfjs backend were ready before this run was handed over`);
  return work.argv;
}

// Explicit exit: native handles (onnxruntime, sharp's pool) must not keep a finished run alive.
argvOrWork(process.argv.slice(2))
  .then(main)
  .then(
    (code) => process.exit(code),
    (e) => {
      err(String((e as Error).stack ?? e));
      process.exit(1);
    },
  );
