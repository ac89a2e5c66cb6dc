// A trainer agent: claims queued runs from the server, starts a trainer process for each, renews the
// leases while they run, forwards their output, stops them on cancel and reports how they ended.
// Nothing here assumes the server is on this machine: it talks GraphQL to --server only.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentApi, type Assignment } from './api.ts';
import { confineLaunchConfig } from './launch-paths.ts';
import { LogPump } from './log-pump.ts';
import { PathConfinementError } from './path-confinement.ts';

export interface AgentOptions {
  server: string;
  apiKey?: string;
  concurrency: number;
  gpus: string[];
  labels: string[];
  name?: string;
  /** The trainer command; the run's config file path is appended as `--config <file>`. Default: the VGG16 trainer. */
  command?: string[];
  /** Seconds between SIGTERM and SIGKILL when a run is cancelled. */
  graceSeconds?: number;
  pollMs?: number;
  /** Folders launched runs may read from; every input path must resolve inside one. Default: ./data. */
  dataRoots?: string[];
  /** The folder launched runs write to (models, feature cache, journals). Default: ./runs. */
  outputRoot?: string;
  log?: (m: string) => void;
}

interface Slot {
  runId: string;
  child: ChildProcess;
  gpu: string | null;
  pump: LogPump;
  killTimer: NodeJS.Timeout | null;
  dir: string;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_TRAINER = [process.execPath, '--import', 'tsx', path.join(REPO, 'trainers/src/cli.ts')];

export class Agent {
  readonly id = randomUUID();
  private readonly api: AgentApi;
  private readonly slots = new Map<string, Slot>();
  private stopped = false;
  private loops: NodeJS.Timeout[] = [];
  private claiming = false;
  private readonly log: (m: string) => void;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log ?? ((m) => console.log(`[agent] ${m}`));
    this.api = new AgentApi(opts.server, opts.apiKey, this.log);
  }

  async start(): Promise<void> {
    await this.api.register({
      id: this.id,
      name: this.opts.name ?? `${os.hostname()}-${process.pid}`,
      host: os.hostname(),
      labels: this.opts.labels,
      gpus: this.opts.gpus,
      concurrency: this.opts.concurrency,
      info: { node: process.version, platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length },
    });
    this.log(
      `agent ${this.id} online: concurrency ${this.opts.concurrency}, labels [${this.opts.labels}], gpus [${this.opts.gpus}]`,
    );
    this.loops.push(setInterval(() => void this.claim(), this.opts.pollMs ?? 500));
    this.scheduleRenewal();
    void this.claim();
  }

  /** Stops claiming; with `killRuns`, terminates running trainers too (they end CANCELED or are requeued). */
  async stop(killRuns = true): Promise<void> {
    this.stopped = true;
    this.loops.forEach(clearTimeout);
    if (killRuns) for (const s of this.slots.values()) s.child.kill('SIGTERM');
    // Trainers get a few seconds to end and be reported; after that (server gone?) give up on them.
    for (const until = Date.now() + 15_000; this.slots.size > 0 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 100));
    for (const s of this.slots.values()) s.child.kill('SIGKILL');
    this.api.close();
  }

  get running(): string[] {
    return [...this.slots.keys()];
  }

  private freeGpu(): string | null {
    if (this.opts.gpus.length === 0) return null;
    const used = new Set([...this.slots.values()].map((s) => s.gpu));
    return this.opts.gpus.find((g) => !used.has(g)) ?? null;
  }

  private async claim(): Promise<void> {
    const free = this.opts.concurrency - this.slots.size;
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

  private async launch(a: Assignment): Promise<void> {
    this.leaseSeconds = a.leaseSeconds;
    let config: Record<string, unknown>;
    try {
      config = await confineLaunchConfig(
        a.run.config,
        { id: a.run.id, name: a.run.name, experiment: a.run.experiment.name },
        { dataRoots: this.opts.dataRoots ?? ['data'], outputRoot: this.opts.outputRoot ?? 'runs' },
      );
    } catch (err) {
      if (!(err instanceof PathConfinementError)) throw err;
      // Refused before any process starts; the message names only the launch's own input and our roots.
      this.log(`run ${a.run.id} refused: ${err.message}`);
      await this.api.reportExit(this.id, a.run.id, 2, null, `refused by the agent: ${err.message}`).catch(() => {});
      return;
    }
    const gpu = this.freeGpu();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runboard-run-'));
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const [cmd, ...args] = [
      ...(this.opts.command ?? DEFAULT_TRAINER),
      '--config',
      configFile,
      '--run-id',
      a.run.id,
      '--server',
      this.opts.server,
    ];
    const env = {
      ...process.env,
      RUNBOARD_SERVER: this.opts.server,
      RUNBOARD_RUN_ID: a.run.id,
      RUNBOARD_ATTEMPT: String(a.attempt),
      ...(this.opts.apiKey ? { RUNBOARD_API_KEY: this.opts.apiKey } : {}),
      ...(gpu !== null ? { CUDA_VISIBLE_DEVICES: gpu } : {}),
    };
    // The IPC channel is how a trainer notices its agent died (kill -9): it gets 'disconnect' and stops,
    // so a run requeued elsewhere never has two trainers.
    const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const pump = new LogPump(this.api, a.run.id, undefined, (m) => this.log(`run ${a.run.id}: ${m}`));
    pump.attach(child.stdout!, 'STDOUT');
    pump.attach(child.stderr!, 'STDERR');
    const slot: Slot = { runId: a.run.id, child, gpu, pump, killTimer: null, dir };
    this.slots.set(a.run.id, slot);
    this.log(
      `run ${a.run.name} (${a.run.id}) attempt ${a.attempt} started as pid ${child.pid}${gpu !== null ? ` on GPU ${gpu}` : ''}`,
    );
    child.once('error', (err) => this.log(`run ${a.run.id}: could not start trainer: ${err.message}`));
    child.once('close', (code, signal) => void this.finished(slot, code, signal));
  }

  private async finished(slot: Slot, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (slot.killTimer) clearTimeout(slot.killTimer);
    await slot.pump.flush();
    const error = code !== 0 && slot.pump.lastStderr.length ? slot.pump.lastStderr.join('\n') : null;
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
    if (this.slots.size === 0) return;
    try {
      const { cancel, lost } = await this.api.renew(this.id, this.running);
      for (const id of cancel) this.terminate(id, 'cancel requested');
      for (const id of lost) {
        const s = this.slots.get(id);
        if (s && !s.child.killed) {
          this.log(`run ${id}: lease lost; stopping it`);
          s.child.kill('SIGKILL');
        }
      }
    } catch (err) {
      this.log(`lease renewal failed: ${(err as Error).message}`);
    }
  }

  private terminate(runId: string, why: string): void {
    const s = this.slots.get(runId);
    if (!s || s.killTimer) return;
    this.log(`run ${runId}: ${why}; SIGTERM`);
    s.child.kill('SIGTERM');
    s.killTimer = setTimeout(
      () => {
        this.log(`run ${runId}: still alive after ${this.opts.graceSeconds ?? 10} s; SIGKILL`);
        s.child.kill('SIGKILL');
      },
      (this.opts.graceSeconds ?? 10) * 1000,
    );
  }
}
