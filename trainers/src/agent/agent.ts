// A trainer agent: claims queued runs from the server, starts a trainer process for each, renews the
// leases while they run, forwards their output, stops them on cancel and reports how they ended.
// Nothing here assumes the server is on this machine: it talks GraphQL to --server only.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import { cacheRoot } from '../data/downloads.ts';
import { availableData } from '../data/resolve-data.ts';
import { HeartbeatLaunchedRunDocument, StartLaunchedRunDocument } from '../gql/graphql.ts';
import { AgentApi, type Assignment } from './api.ts';
import { confineLaunchConfig } from './launch-paths.ts';
import { LogPump } from './log-pump.ts';
import { PathConfinementError } from './path-confinement.ts';
import { prepareRun } from './prepare.ts';
import { killProgram, type ProgramRun, programEnv, programRunDir, spawnProgram, writeConfigFile } from './program.ts';
import { agentTempRoot, removeStaleTempRoots } from './temp-dirs.ts';
import { bundleTrainer } from './trainer-bundle.ts';

export interface AgentOptions {
  server: string;
  apiKey?: string;
  concurrency: number;
  gpus: string[];
  labels: string[];
  name?: string;
  /**
   * The built-in trainer's command (entry point `vgg16`); `--config <file> --run-id <id> --server <url>` are
   * appended. Default: the VGG16 trainer.
   */
  command?: string[];
  /**
   * Other programs it runs, by entry point name: argv as the agent starts it (see command-line.ts; no shell).
   * Such a program gets its config in the file RUNBOARD_CONFIG names (see program.ts).
   */
  entryPoints?: Record<string, string[]>;
  /** Seconds between SIGTERM and SIGKILL when a run is cancelled. */
  graceSeconds?: number;
  pollMs?: number;
  /** Folders launched runs may read from; every input path must resolve inside one. Default: ./data. */
  dataRoots?: string[];
  /** The folder launched runs write to (models, feature cache, journals). Default: ./runs. */
  outputRoot?: string;
  log?: (m: string) => void;
  /**
   * Resolve data and weights before starting the trainer (fail fast, one download per agent).
   * Default: on for the VGG16 trainer, off for a custom `command` (its config may mean something else).
   */
  prepare?: boolean;
  /**
   * Keep one trainer process started ahead (imports and tfjs backend done) for the next run. Default: on
   * for the VGG16 trainer on agents without GPUs (a GPU is chosen per run, before tfjs-node-gpu loads).
   */
  warmSpare?: boolean;
}

interface Slot {
  runId: string;
  child: ChildProcess;
  /** A declared program (not the built-in trainer): the agent starts its run and keeps it alive. */
  program: boolean;
  gpu: string | null;
  pump: LogPump;
  killTimer: NodeJS.Timeout | null;
  /** Set when the server says the run ended: the trainer is stopped if it has not exited by then. */
  exitTimer: NodeJS.Timeout | null;
  dir: string;
}

/** The trainer CLI of this package under tsx: the fallback when it cannot be bundled (see trainer-bundle.ts). */
export const DEFAULT_TRAINER = [
  process.execPath,
  '--import',
  'tsx',
  fileURLToPath(new URL('../cli.ts', import.meta.url)),
];

export class Agent {
  readonly id = randomUUID();
  private readonly api: AgentApi;
  private readonly slots = new Map<string, Slot>();
  private stopped = false;
  private loops: NodeJS.Timeout[] = [];
  private claiming = false;
  private readonly log: (m: string) => void;
  /** Runs claimed whose data and weights are being resolved: their leases are renewed too. */
  private readonly preparing = new Set<string>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  readonly name: string;
  readonly dataRoots: string[];
  private spare: ChildProcess | null = null;
  /** The weights file of the last prepared run: the next warm trainer preloads it. */
  private lastWeights: string | null = null;
  /** What starts a trainer: opts.command, else the bundled trainer (set in start()), else DEFAULT_TRAINER. */
  private trainer: string[] = DEFAULT_TRAINER;

  /** This process's temporary folder (temp-dirs.ts); run folders are made inside it. */
  private tmpRoot: string | null = null;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log ?? ((m) => console.log(`[agent] ${m}`));
    this.api = new AgentApi(opts.server, opts.apiKey, this.log);
    this.name = opts.name ?? `${os.hostname()}-${process.pid}`;
    this.dataRoots = (opts.dataRoots ?? ['data']).map((r) => path.resolve(r));
  }

  async start(): Promise<void> {
    if (BUILTIN_ENTRY_POINT in (this.opts.entryPoints ?? {}))
      throw new Error(`${BUILTIN_ENTRY_POINT} is the built-in trainer's entry point; name yours differently`);
    // A killed agent (kill -9, power loss) could not remove its run folders: the next one to start does.
    const stale = await removeStaleTempRoots();
    if (stale.length) this.log(`removed temporary folders of agents no longer running: ${stale.join(', ')}`);
    this.tmpRoot = await agentTempRoot();
    this.trainer = this.opts.command ?? (await bundleTrainer(this.log)) ?? DEFAULT_TRAINER;
    if (this.stopped) return; // stopped while bundling (Ctrl-C during start-up): nothing to register
    await this.api.register({
      id: this.id,
      name: this.name,
      host: os.hostname(),
      labels: this.opts.labels,
      gpus: this.opts.gpus,
      concurrency: this.opts.concurrency,
      entryPoints: [
        { name: BUILTIN_ENTRY_POINT, command: [] },
        ...Object.entries(this.opts.entryPoints ?? {}).map(([name, command]) => ({ name, command })),
      ],
      info: {
        node: process.version,
        platform: `${os.platform()}-${os.arch()}`,
        cpus: os.cpus().length,
        // What runs launched here can use: the Launch page lists these.
        ...(await availableData(this.dataRoots)),
      },
    });
    this.log(
      `agent ${this.id} online: concurrency ${this.opts.concurrency}, labels [${this.opts.labels}], gpus [${this.opts.gpus}], entry points [${[BUILTIN_ENTRY_POINT, ...Object.keys(this.opts.entryPoints ?? {})]}]`,
    );
    this.startSpare();
    this.loops.push(setInterval(() => void this.claim(), this.opts.pollMs ?? 500));
    this.scheduleRenewal();
    void this.claim();
  }

  /** Stops claiming; with `killRuns`, terminates running trainers too (they end CANCELED or are requeued). */
  async stop(killRuns = true): Promise<void> {
    this.stopped = true;
    this.loops.forEach(clearTimeout);
    this.spare?.kill('SIGKILL');
    this.spare = null;
    if (killRuns) for (const s of this.slots.values()) this.signal(s, 'SIGTERM');
    // Trainers get a few seconds to end and be reported; after that (server gone?) give up on them.
    for (const until = Date.now() + 15_000; this.slots.size > 0 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 100));
    for (const s of this.slots.values()) this.signal(s, 'SIGKILL');
    if (this.tmpRoot) await rm(this.tmpRoot, { recursive: true, force: true });
    this.api.close();
  }

  get running(): string[] {
    return [...this.slots.keys(), ...this.preparing];
  }

  private freeGpu(): string | null {
    if (this.opts.gpus.length === 0) return null;
    const used = new Set([...this.slots.values()].map((s) => s.gpu));
    return this.opts.gpus.find((g) => !used.has(g)) ?? null;
  }

  private async claim(): Promise<void> {
    const free = this.opts.concurrency - this.slots.size - this.preparing.size;
    if (this.stopped || this.claiming || free <= 0) return;
    this.claiming = true;
    try {
      for (const a of await this.api.claim(this.id, free)) await this.launch(a);
    } catch (err) {
      this.log(`claim failed: ${(err as Error).message}`);
    } finally {
      this.claiming = false;
    }
  }

  /**
   * Resolves the run's data and weights here, before any trainer starts: a missing folder fails the
   * run at once with the cause, and downloads happen once per agent (concurrent runs share them).
   */
  private async launch(a: Assignment): Promise<void> {
    this.leaseSeconds = a.leaseSeconds;
    const entryPoint = a.run.launch?.entryPoint ?? BUILTIN_ENTRY_POINT;
    if (entryPoint !== BUILTIN_ENTRY_POINT) return this.launchProgram(a, entryPoint);
    const pump = new LogPump(this.api, a.run.id, undefined, (m) => this.log(`run ${a.run.id}: ${m}`));
    // First every path in the config is confined to this agent's roots (a launch is hostile input), then
    // data sets and weights are resolved (downloaded once per agent).
    let config: Record<string, unknown>;
    try {
      config = await confineLaunchConfig(
        a.run.config,
        { id: a.run.id, name: a.run.name, experiment: a.run.experiment.name },
        { dataRoots: this.dataRoots, outputRoot: this.opts.outputRoot ?? 'runs' },
      );
    } catch (err) {
      if (!(err instanceof PathConfinementError)) throw err;
      // Refused before any process starts; the message names only the launch's own input and our roots.
      this.log(`run ${a.run.id} refused: ${err.message}`);
      await this.api.reportExit(this.id, a.run.id, 2, null, `refused by the agent: ${err.message}`).catch(() => {});
      return;
    }
    this.preparing.add(a.run.id);
    try {
      if (this.opts.prepare ?? !this.opts.command)
        config = await prepareRun(config, {
          roots: this.dataRoots,
          agentName: this.name,
          say: (line) => pump.line('STDOUT', line),
          share: (key, fn) => this.shared(key, fn),
        });
    } catch (err) {
      const cause = (err as Error).message;
      pump.line('STDERR', `error: ${cause}`);
      await pump.flush();
      this.preparing.delete(a.run.id);
      this.log(`run ${a.run.name} (${a.run.id}) cannot start: ${cause}`);
      try {
        await this.api.reportExit(this.id, a.run.id, 1, null, cause);
      } catch (e) {
        this.log(`run ${a.run.id}: could not report its failure: ${(e as Error).message}`);
      }
      return;
    }
    this.preparing.delete(a.run.id);
    if (this.stopped) return;
    if (typeof config.weights === 'string' && config.weights !== 'random') this.lastWeights = config.weights;
    const gpu = this.freeGpu();
    const dir = await mkdtemp(path.join(this.tmpRoot ?? os.tmpdir(), 'run-'));
    const configFile = path.join(dir, 'config.json');
    // The server's run name goes to the trainer, so launch, logs and artifacts all say the same name.
    await writeFile(
      configFile,
      JSON.stringify({ ...config, experiment: a.run.experiment.name, name: a.run.name }, null, 2),
    );
    const trainerArgs = ['--config', configFile, '--run-id', a.run.id, '--server', this.opts.server];
    const [cmd, ...args] = [...this.trainer, ...trainerArgs];
    const env = {
      ...process.env,
      RUNBOARD_SERVER: this.opts.server,
      RUNBOARD_RUN_ID: a.run.id,
      RUNBOARD_ATTEMPT: String(a.attempt),
      // The trainer resolves every image again as it reads it: only these folders (and the download cache).
      RUNBOARD_DATA_ROOTS: JSON.stringify([...this.dataRoots, cacheRoot()]),
      ...(this.opts.apiKey ? { RUNBOARD_API_KEY: this.opts.apiKey } : {}),
      ...(gpu !== null ? { CUDA_VISIBLE_DEVICES: gpu } : {}),
    };
    // The IPC channel is how a trainer notices its agent died (kill -9): it gets 'disconnect' and stops,
    // so a run requeued elsewhere never has two trainers.
    const spare = gpu === null ? this.takeSpare() : null;
    let child: ChildProcess;
    if (spare) {
      spare.send({
        argv: trainerArgs,
        env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
      });
      child = spare;
    } else child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    setImmediate(() => this.startSpare());
    pump.attach(child.stdout!, 'STDOUT');
    pump.attach(child.stderr!, 'STDERR');
    const slot: Slot = { runId: a.run.id, child, program: false, gpu, pump, killTimer: null, exitTimer: null, dir };
    this.slots.set(a.run.id, slot);
    this.log(
      `run ${a.run.name} (${a.run.id}) attempt ${a.attempt} started as pid ${child.pid}${gpu !== null ? ` on GPU ${gpu}` : ''}`,
    );
    child.once('error', (err) => this.log(`run ${a.run.id}: could not start trainer: ${err.message}`));
    child.once('close', (code, signal) => void this.finished(slot, code, signal));
  }

  /**
   * A run of a declared program: a folder of its own under the output root, its config as a JSON file, the
   * run started here (the program may never call the server), then the program itself, without a shell.
   */
  private async launchProgram(a: Assignment, entryPoint: string): Promise<void> {
    const command = this.opts.entryPoints?.[entryPoint];
    const run: ProgramRun = {
      id: a.run.id,
      name: a.run.name,
      experiment: a.run.experiment.name,
      entryPoint,
      attempt: a.attempt,
      config: a.run.config,
    };
    const pump = new LogPump(this.api, run.id, undefined, (m) => this.log(`run ${run.id}: ${m}`));
    this.preparing.add(run.id);
    let dir: string | null = null;
    let child: ChildProcess;
    const gpu = this.freeGpu();
    try {
      // The queue hands a run only to an agent that registered its entry point; this is the last guard.
      if (!command) throw new Error(`this agent has no entry point ${entryPoint}`);
      const { runDir, journalDir } = await programRunDir(run, this.opts.outputRoot ?? 'runs');
      dir = await mkdtemp(path.join(this.tmpRoot ?? os.tmpdir(), 'run-'));
      const configFile = await writeConfigFile(dir, run.config);
      await this.api.send(StartLaunchedRunDocument, {
        id: run.id,
        systemInfo: { entryPoint, command, cwd: runDir, gpu, platform: `${os.platform()}-${os.arch()}` },
      });
      if (this.stopped) throw new Error('the agent is stopping');
      const env = programEnv(run, {
        ...{ server: this.opts.server, apiKey: this.opts.apiKey },
        ...{ configFile, runDir, journalDir, gpu },
      });
      child = spawnProgram(command, runDir, env);
    } catch (err) {
      const cause = `refused by the agent: ${(err as Error).message}`;
      this.preparing.delete(run.id);
      if (dir) await rm(dir, { recursive: true, force: true });
      this.log(`run ${run.id} ${cause}`);
      pump.line('STDERR', `error: ${cause}`);
      await pump.flush();
      await this.api.reportExit(this.id, run.id, 2, null, cause).catch(() => {});
      return;
    }
    this.preparing.delete(run.id);
    pump.attach(child.stdout!, 'STDOUT');
    pump.attach(child.stderr!, 'STDERR');
    const slot: Slot = { runId: run.id, child, program: true, gpu, pump, killTimer: null, exitTimer: null, dir };
    this.slots.set(run.id, slot);
    this.log(`run ${run.name} (${run.id}) of ${entryPoint} started as pid ${child.pid}`);
    child.once('error', (err) => {
      pump.cause = `could not start ${command![0]}: ${err.message}`;
      this.log(`run ${run.id}: ${pump.cause}`);
    });
    child.once('close', (code, signal) => void this.finished(slot, code, signal));
  }

  private async finished(slot: Slot, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (slot.killTimer) clearTimeout(slot.killTimer);
    if (slot.exitTimer) clearTimeout(slot.exitTimer);
    await slot.pump.flush();
    const error =
      code !== 0 && (slot.pump.cause || slot.pump.lastStderr.length)
        ? (slot.pump.cause ?? slot.pump.lastStderr.join('\n'))
        : null;
    try {
      await this.api.reportExit(this.id, slot.runId, code, signal, error);
    } catch (err) {
      this.log(`run ${slot.runId}: could not report its exit: ${(err as Error).message}`);
    }
    this.log(`run ${slot.runId} ended (${signal ?? `exit ${code}`})`);
    this.slots.delete(slot.runId);
    await rm(slot.dir, { recursive: true, force: true });
    void this.claim();
  }

  private get sparesWanted(): boolean {
    return (this.opts.warmSpare ?? (!this.opts.command && this.opts.gpus.length === 0)) && !this.stopped;
  }

  /** Starts the next run's trainer ahead of time (see --warm-spare in trainers/src/cli.ts). */
  private startSpare(): void {
    if (!this.sparesWanted || this.spare) return;
    const [cmd, ...args] = [
      ...this.trainer,
      '--warm-spare',
      ...(this.lastWeights ? ['--preload-weights', this.lastWeights] : []),
    ];
    const env = {
      ...process.env,
      RUNBOARD_SERVER: this.opts.server,
      ...(this.opts.apiKey ? { RUNBOARD_API_KEY: this.opts.apiKey } : {}),
    };
    const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.once('error', (err) => this.log(`warm trainer could not start: ${err.message}`));
    child.once('exit', () => {
      if (this.spare === child) this.spare = null;
    });
    this.spare = child;
  }

  /** The warm trainer, if it is still alive; the caller hands it a run. */
  private takeSpare(): ChildProcess | null {
    const s = this.spare;
    this.spare = null;
    return s && s.exitCode === null && s.signalCode === null && s.connected ? s : null;
  }

  /** One in-flight promise per key: concurrent runs needing the same download wait for one fetch. */
  private shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.inFlight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private leaseSeconds = 20;

  /** Renews at a quarter of the lease, so three renewals in a row can fail before the lease is lost. */
  private scheduleRenewal(): void {
    if (this.stopped) return;
    const timer = setTimeout(
      async () => {
        await this.renew();
        this.scheduleRenewal();
      },
      (this.leaseSeconds * 1000) / 4,
    );
    this.loops.push(timer);
  }

  private async renew(): Promise<void> {
    if (this.running.length === 0) return;
    // A declared program may never talk to the server: while its process lives, its run is alive.
    for (const s of this.slots.values())
      if (s.program && s.exitTimer === null)
        void this.api
          .send(HeartbeatLaunchedRunDocument, { runId: s.runId }, 10_000)
          .catch((err) => this.log(`run ${s.runId}: heartbeat failed: ${(err as Error).message}`));
    try {
      const { cancel, lost, ended } = await this.api.renew(this.id, this.running);
      for (const id of cancel) this.terminate(id, 'cancel requested');
      for (const id of ended) this.awaitExit(id);
      for (const id of lost) {
        const s = this.slots.get(id);
        if (s && !s.child.killed) {
          this.log(`run ${id}: lease lost; stopping it`);
          this.signal(s, 'SIGKILL');
        }
      }
    } catch (err) {
      this.log(`lease renewal failed: ${(err as Error).message}`);
    }
  }

  /** A trainer whose run has ended exits by itself; one still running a grace period later is stopped. */
  private awaitExit(runId: string): void {
    const s = this.slots.get(runId);
    if (!s || s.exitTimer) return;
    s.exitTimer = setTimeout(
      () => this.terminate(runId, 'run ended but its trainer is still running'),
      (this.opts.graceSeconds ?? 10) * 1000,
    );
  }

  private terminate(runId: string, why: string): void {
    const s = this.slots.get(runId);
    if (!s || s.killTimer) return;
    this.log(`run ${runId}: ${why}; SIGTERM`);
    this.signal(s, 'SIGTERM');
    s.killTimer = setTimeout(
      () => {
        this.log(`run ${runId}: still alive after ${this.opts.graceSeconds ?? 10} s; SIGKILL`);
        this.signal(s, 'SIGKILL');
      },
      (this.opts.graceSeconds ?? 10) * 1000,
    );
  }

  /** A declared program is signalled with its whole process group (see program.ts). */
  private signal(s: Slot, sig: NodeJS.Signals): void {
    if (s.program) killProgram(s.child, sig);
    else s.child.kill(sig);
  }
}
