import { BUILTIN_ENTRY_POINT, type EntryPointInfo, entryPointNameProblem } from '@runboard/contract/entry-point';
import { assertId, badInput, ErrorCode, notFound, userError } from '../../core/errors.ts';
import { checkJsonObject, checkName, checkTags, checkText, LIMITS, sanitiseText } from '../../core/validate.ts';
import { type Database, inTransaction } from '../../db/database.ts';
import type { Principal } from '../auth/scopes.ts';
import type { ExperimentService } from '../experiment/service.ts';
import type { RunState } from '../run/run-state.ts';
import { activeRunCountsOfAgents, activeRunsOfAgents, type ExperimentScope, type RunRow } from '../run/store.ts';
import { parallelismTiers } from '../sweep/store.ts';
import { givenConfigPaths, validateTrainerConfig } from './config-contract.ts';
import { DEFAULT_LEASE_SECONDS, queueName, type RunQueue } from './queue.ts';
import { type AgentRow, agentsByIds, agentsSeenWithin, queueCounts, touchAgent, upsertAgent } from './store.ts';

export interface LaunchRunInput {
  experimentId?: string | null;
  experimentName?: string | null;
  name?: string | null;
  config: unknown;
  tags?: string[] | null;
  notes?: string | null;
  labels?: string[] | null;
  retries?: number | null;
  priority?: number | null;
  entryPoint?: string | null;
}

export interface RegisterAgentInput {
  id: string;
  name: string;
  host: string;
  labels?: string[] | null;
  gpus?: string[] | null;
  concurrency: number;
  info?: unknown;
  entryPoints?: { name: string; command: string[] }[] | null;
}

/** An agent unheard of for this long is offline (agents poll every 0.5 s and renew every lease / 4). */
export const AGENT_OFFLINE_SECONDS = DEFAULT_LEASE_SECONDS * 1.5;
/** Labels name queues (runs.<label>.<label>), so they are restricted to a safe alphabet. */
export function checkLabels(labels: string[]): string[] {
  const clean = checkTags('labels', labels);
  const bad = clean.find((l) => !/^[A-Za-z0-9_-]+$/.test(l));
  if (bad !== undefined) throw badInput('labels', `${JSON.stringify(bad)}: letters, digits, _ and - only`);
  return clean;
}

/** A launch's entry point: the built-in trainer unless it names another (which an agent must have registered). */
export function checkEntryPoint(name: string | null | undefined, field = 'entryPoint'): string {
  if (name == null) return BUILTIN_ENTRY_POINT;
  const problem = entryPointNameProblem(name);
  if (problem) throw badInput(field, `${JSON.stringify(name.slice(0, 100))}: ${problem}`);
  return name;
}

/**
 * The config a run of `entryPoint` gets: the built-in trainer's is checked against its schema (and normalised);
 * another program's is any JSON object (bounded in size and depth), handed to it as it is.
 */
export function launchConfig(
  entryPoint: string,
  experiment: string,
  config: unknown,
  field = 'config',
): Record<string, unknown> {
  if (entryPoint === BUILTIN_ENTRY_POINT) return validateTrainerConfig(experiment, config, field);
  return checkJsonObject(field, config);
}

/** What an agent registers about its entry points; the built-in one is recognised by name. */
function checkEntryPoints(list: { name: string; command: string[] }[]): EntryPointInfo[] {
  if (list.length > 100) throw badInput('entryPoints', 'at most 100');
  const seen = new Set<string>();
  return list.map((e, i) => {
    const name = checkEntryPoint(e.name, `entryPoints[${i}].name`);
    if (seen.has(name)) throw badInput(`entryPoints[${i}].name`, `${name} is registered twice`);
    seen.add(name);
    const builtin = name === BUILTIN_ENTRY_POINT;
    // The built-in trainer's command is for display only (an agent from before entry points sends none).
    if (e.command.length < (builtin ? 0 : 1) || e.command.length > 256)
      throw badInput(`entryPoints[${i}].command`, 'between 1 and 256 words');
    const command = e.command.map((w) => checkText(`entryPoints[${i}].command`, w, 4096));
    return { name, command, builtin };
  });
}

/**
 * Launching runs through the queue, and the agent protocol: register, claim (lease), renew, report exit.
 * Every change to a run goes through RunState; this module validates input, talks to the queue and keeps
 * the agents table. Lease loss is acted on by the lease expirer (jobs/lease-expirer.ts).
 */
export class LaunchService {
  constructor(
    private readonly db: Database,
    private readonly queue: RunQueue,
    private readonly experiments: ExperimentService,
    private readonly state: RunState,
  ) {}

  async launchRun(input: LaunchRunInput): Promise<RunRow> {
    const retries = input.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > 100)
      throw badInput('retries', 'must be between 0 and 100');
    const labels = checkLabels(input.labels ?? []);
    const tags = checkTags('tags', input.tags ?? []);
    const notes = checkText('notes', input.notes ?? '', LIMITS.notes);
    const name = input.name != null ? checkName('name', input.name) : null;
    // Like createRun, a launch into a new experiment name creates it, but only once the config is
    // valid, so a rejected launch writes nothing.
    const byName = input.experimentId == null && input.experimentName != null;
    const known = byName ? null : await this.experiments.resolve(input);
    const entryPoint = checkEntryPoint(input.entryPoint);
    const config = launchConfig(
      entryPoint,
      known?.name ?? checkName('experimentName', input.experimentName!),
      input.config,
    );
    const experiment = known ?? (await this.experiments.ensure(input.experimentName!));
    const job = { labels, retries, priority: input.priority ?? 0, queue: queueName(labels, entryPoint), entryPoint };
    return inTransaction(this.db.pool, (c) =>
      this.state.insert(
        c,
        {
          experimentId: experiment.id,
          name,
          config,
          tags,
          notes,
          userConfigKeys: givenConfigPaths(input.config as Record<string, unknown>),
        },
        job,
      ),
    );
  }

  cancelRun(id: string): Promise<RunRow> {
    return this.state.cancel(id);
  }

  /** Registers an agent owned by the caller's key; an agent another key registered is FORBIDDEN (ADMIN may). */
  async registerAgent(input: RegisterAgentInput, caller: Principal): Promise<AgentRow> {
    const id = assertId('Agent', input.id);
    if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > 256)
      throw badInput('concurrency', 'must be between 1 and 256');
    const owner = { keyId: caller.keyId, admin: caller.scopes.has('ADMIN') };
    const agent = await upsertAgent(
      this.db.pool,
      {
        id,
        name: checkName('name', input.name),
        host: checkName('host', input.host),
        labels: checkTags('labels', input.labels ?? []),
        gpus: checkTags('gpus', input.gpus ?? []),
        concurrency: input.concurrency,
        info: (input.info ?? {}) as Record<string, unknown>,
        // An agent from before entry points runs the built-in trainer only.
        entryPoints: checkEntryPoints(input.entryPoints ?? [{ name: BUILTIN_ENTRY_POINT, command: [] }]),
      },
      owner,
    );
    if (!agent) throw notYourAgent(id);
    return agent;
  }

  listAgents(): Promise<AgentRow[]> {
    return agentsSeenWithin(this.db.pool, null);
  }

  /** The caller acts for the agent (its key registered it, or ADMIN), which is heard from now. */
  private async seen(agentId: string, caller: Principal): Promise<AgentRow> {
    const id = assertId('Agent', agentId);
    const [known] = await agentsByIds(this.db.pool, [id]);
    if (!known) throw notFound('Agent', agentId);
    if (!actsFor(caller, known.ownerKeyId)) throw notYourAgent(id);
    const agent = await touchAgent(this.db.pool, id);
    if (!agent) throw notFound('Agent', agentId);
    return agent;
  }

  /** Hands up to `max` queued runs to the agent; each comes with a lease the agent must renew. */
  async claimRuns(agentId: string, max: number, caller: Principal) {
    if (!Number.isInteger(max) || max < 1 || max > 256) throw badInput('max', 'must be between 1 and 256');
    const agent = await this.seen(agentId, caller);
    const limits = Object.fromEntries((await parallelismTiers(this.db.pool)).map((p) => [`p${p}`, p]));
    const out: { run: RunRow; attempt: number; leaseSeconds: number }[] = [];
    const entryPoints = agent.entryPoints.map((e) => e.name);
    for (const q of await this.queue.queuesFor(agent.labels, entryPoints)) {
      if (out.length >= max) break;
      for (const job of await this.queue.fetch(this.db.pool, q, max - out.length, limits)) {
        const run = await inTransaction(this.db.pool, (c) =>
          this.state.claim(c, job.data.runId, job.id, job.retryCount, agent),
        );
        if (run) out.push({ run, attempt: job.retryCount, leaseSeconds: this.queue.leaseSeconds });
        else await this.queue.complete(q, job.id, { skipped: 'run no longer queued' }); // canceled or deleted meanwhile
      }
    }
    return out;
  }

  /** Renews the leases of the agent's runs; says which to stop (cancel requested), which it no longer holds, which ended. */
  async renewLeases(agentId: string, runIds: string[], caller: Principal) {
    await this.seen(agentId, caller);
    const { held, lost, ended } = await this.state.renewLeases(
      agentId,
      runIds.map((id) => assertId('Run', id)),
    );
    return { cancel: held.filter((r) => r.cancelRequestedAt !== null).map((r) => r.id), lost, ended };
  }

  /** The trainer process ended: see RunState.reportExit. The agent's copy of the trainer's stderr is stored whatever it holds (NUL would fail the write). */
  async reportRunExit(
    caller: Principal,
    agentId: string,
    runId: string,
    exitCode: number | null,
    signal: string | null,
    error: string | null,
  ) {
    await this.seen(agentId, caller);
    const message = error === null ? null : sanitiseText(error.slice(0, LIMITS.error));
    return this.state.reportExit(agentId, runId, exitCode, signal, message);
  }

  /** Agents seen within AGENT_OFFLINE_SECONDS. */
  async onlineAgents(): Promise<AgentRow[]> {
    return agentsSeenWithin(this.db.pool, AGENT_OFFLINE_SECONDS);
  }

  /** Agents by id, in key order (null where missing): for the per-request loader. */
  async agentsByIds(ids: readonly string[]): Promise<(AgentRow | null)[]> {
    const rows = await agentsByIds(this.db.pool, ids);
    const byId = new Map(rows.map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Each agent's claimed or running runs, oldest first, in key order; of the caller's experiments only (an agent may hold runs of many). */
  async activeRunsOfAgents(agentIds: readonly string[], experiments: ExperimentScope): Promise<RunRow[][]> {
    const rows = await activeRunsOfAgents(this.db.pool, agentIds, experiments);
    return agentIds.map((id) => rows.filter((r) => r.agentId === id));
  }

  /** How many runs each agent holds, of every experiment, in key order (what a limited key may know of others'). */
  async activeRunCounts(agentIds: readonly string[]): Promise<number[]> {
    const counts = new Map((await activeRunCountsOfAgents(this.db.pool, agentIds)).map((r) => [r.agentId, r.count]));
    return agentIds.map((id) => counts.get(id) ?? 0);
  }

  /** Launched runs waiting, launched runs held by agents, and agents online. */
  async queueStatus(): Promise<{ queued: number; running: number; agentsOnline: number }> {
    return queueCounts(this.db.pool, AGENT_OFFLINE_SECONDS);
  }
}

/** An agent is bound to the key that registered it: that key, or an ADMIN caller, acts for it. */
export function actsFor(caller: Principal, ownerKeyId: string | null): boolean {
  return caller.scopes.has('ADMIN') || (caller.keyId !== null && caller.keyId === ownerKeyId);
}

export function notYourAgent(agentId: string) {
  return userError(ErrorCode.FORBIDDEN, `Agent ${agentId} belongs to another API key.`, { agentId });
}
