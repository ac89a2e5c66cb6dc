import type { Context } from '../../context.js';
import type { RunRow } from '../run/store.js';
import { trainerConfigJsonSchema } from './config-contract.js';
import { AGENT_OFFLINE_SECONDS, type AgentRow, type LaunchRunInput, type RegisterAgentInput } from './service.js';

const online = (a: AgentRow) => Date.now() - a.lastSeenAt.getTime() < AGENT_OFFLINE_SECONDS * 1000;

export const launchResolvers = {
  Query: {
    agents: (_: unknown, __: unknown, ctx: Context) => ctx.services.launch.listAgents(),
    trainerConfigSchema: () => trainerConfigJsonSchema(),
    queueStatus: async (_: unknown, __: unknown, ctx: Context) => {
      const { rows } = await ctx.services.db.pool.query<{ queued: number; running: number; agents: number }>(
        `SELECT (SELECT count(*)::int FROM runs WHERE job_id IS NOT NULL AND status = 'QUEUED' AND agent_id IS NULL) AS queued,
                (SELECT count(*)::int FROM runs WHERE job_id IS NOT NULL AND agent_id IS NOT NULL AND status IN ('QUEUED', 'RUNNING')) AS running,
                (SELECT count(*)::int FROM agents WHERE last_seen_at > now() - make_interval(secs => $1)) AS agents`,
        [AGENT_OFFLINE_SECONDS],
      );
      return { queued: rows[0]!.queued, running: rows[0]!.running, agentsOnline: rows[0]!.agents };
    },
  },
  Mutation: {
    launchRun: (_: unknown, a: { input: LaunchRunInput }, ctx: Context) => ctx.services.launch.launchRun(a.input),
    cancelRun: (_: unknown, a: { id: string }, ctx: Context) => ctx.services.launch.cancelRun(a.id),
    registerAgent: (_: unknown, a: { input: RegisterAgentInput }, ctx: Context) =>
      ctx.services.launch.registerAgent(a.input),
    claimRuns: (_: unknown, a: { agentId: string; max: number }, ctx: Context) =>
      ctx.services.launch.claimRuns(a.agentId, a.max),
    renewLeases: (_: unknown, a: { agentId: string; runIds: string[] }, ctx: Context) =>
      ctx.services.launch.renewLeases(a.agentId, a.runIds),
    reportRunExit: (
      _: unknown,
      a: { agentId: string; runId: string; exitCode?: number; signal?: string; error?: string },
      ctx: Context,
    ) => ctx.services.launch.reportRunExit(a.agentId, a.runId, a.exitCode ?? null, a.signal ?? null, a.error ?? null),
    appendRunLogs: (
      _: unknown,
      a: { runId: string; lines: { stream: 'STDOUT' | 'STDERR'; text: string; time?: Date }[] },
      ctx: Context,
    ) => ctx.services.logs.append(a.runId, a.lines),
  },
  Subscription: {
    runLogs: {
      subscribe: (_: unknown, a: { runId: string; afterLine: number }, ctx: Context) =>
        ctx.services.logs.tail(a.runId, a.afterLine ?? 0),
      resolve: (event: unknown) => event,
    },
  },
  Run: {
    launch: (r: RunRow) => (r.jobId ? r : null),
    logs: (r: RunRow, a: { after: number; first: number }, ctx: Context) =>
      ctx.services.logs.page(r.id, a.after, a.first),
    cancelRequested: (r: RunRow) => r.cancelRequestedAt !== null,
  },
  RunLaunch: {
    agent: async (r: RunRow, _: unknown, ctx: Context) =>
      r.agentId ? ((await ctx.services.launch.listAgents()).find((a) => a.id === r.agentId) ?? null) : null,
    waitingForAgent: async (r: RunRow, _: unknown, ctx: Context) =>
      r.status === 'QUEUED' && r.agentId === null && !(await ctx.services.launch.agentAvailable(r.labels)),
    sweep: (r: RunRow, _: unknown, ctx: Context) => (r.sweepId ? ctx.services.sweeps.get(r.sweepId) : null),
  },
  Agent: {
    online,
    runs: async (a: AgentRow, _: unknown, ctx: Context) => {
      const { rows } = await ctx.services.db.pool.query<{ id: string }>(
        `SELECT id FROM runs WHERE agent_id = $1 AND status IN ('QUEUED', 'RUNNING') ORDER BY created_at`,
        [a.id],
      );
      return Promise.all(rows.map((r) => ctx.services.runs.get(r.id)));
    },
  },
};
