import type { Context } from '../../context.js';
import type { RunRow } from '../run/store.js';
import { trainerConfigJsonSchema } from './config-contract.js';
import { AGENT_OFFLINE_SECONDS, type AgentRow, type LaunchRunInput, type RegisterAgentInput } from './service.js';

const online = (a: AgentRow) => Date.now() - a.lastSeenAt.getTime() < AGENT_OFFLINE_SECONDS * 1000;

export const launchResolvers = {
  Query: {
    agents: (_: unknown, __: unknown, ctx: Context) => ctx.services.launch.listAgents(),
    trainerConfigSchema: () => trainerConfigJsonSchema(),
    queueStatus: (_: unknown, __: unknown, ctx: Context) => ctx.services.launch.queueStatus(),
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
    agent: (r: RunRow, _: unknown, ctx: Context) => (r.agentId ? ctx.loaders.agent.load(r.agentId) : null),
    waitingForAgent: async (r: RunRow, _: unknown, ctx: Context) => {
      if (r.status !== 'QUEUED' || r.agentId !== null) return false;
      const online = await ctx.loaders.onlineAgents.load('online');
      return !online.some((a) => r.labels.every((l) => a.labels.includes(l)));
    },
    sweep: (r: RunRow, _: unknown, ctx: Context) => (r.sweepId ? ctx.loaders.sweep.load(r.sweepId) : null),
  },
  Agent: {
    online,
    runs: (a: AgentRow, _: unknown, ctx: Context) => ctx.loaders.activeRunsOfAgent.load(a.id),
  },
};
