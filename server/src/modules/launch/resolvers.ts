import type { Resolvers } from '../resolvers-types.generated.ts';
import { trainerConfigJsonSchema } from './config-contract.ts';
import { AGENT_OFFLINE_SECONDS } from './service.ts';
import type { AgentRow, LogLine } from './store.ts';

const online = (a: AgentRow) => Date.now() - a.lastSeenAt.getTime() < AGENT_OFFLINE_SECONDS * 1000;

export const launchResolvers: Resolvers = {
  Query: {
    agents: (_, __, ctx) => ctx.services.launch.listAgents(),
    trainerConfigSchema: () => trainerConfigJsonSchema(),
    queueStatus: (_, __, ctx) => ctx.services.launch.queueStatus(),
  },
  Mutation: {
    launchRun: (_, a, ctx) => ctx.services.launch.launchRun(a.input),
    cancelRun: (_, a, ctx) => ctx.services.launch.cancelRun(a.id),
    registerAgent: (_, a, ctx) => ctx.services.launch.registerAgent(a.input),
    claimRuns: (_, a, ctx) => ctx.services.launch.claimRuns(a.agentId, a.max),
    renewLeases: (_, a, ctx) => ctx.services.launch.renewLeases(a.agentId, a.runIds),
    reportRunExit: (_, a, ctx) =>
      ctx.services.launch.reportRunExit(a.agentId, a.runId, a.exitCode ?? null, a.signal ?? null, a.error ?? null),
    appendRunLogs: (_, a, ctx) => ctx.services.logs.append(a.runId, a.lines),
  },
  Subscription: {
    runLogs: {
      subscribe: (_, a, ctx) => ctx.services.logs.tail(a.runId, a.afterLine ?? 0),
      resolve: (event: { runId: string; lines: LogLine[] }) => event,
    },
  },
  Run: {
    launch: (r) => (r.jobId ? r : null),
    logs: (r, a, ctx) => ctx.services.logs.page(r.id, a.after, a.first),
    cancelRequested: (r) => r.cancelRequestedAt !== null,
  },
  RunLaunch: {
    agent: (r, _, ctx) => (r.agentId ? ctx.loaders.agent.load(r.agentId) : null),
    waitingForAgent: async (r, _, ctx) => {
      if (r.status !== 'QUEUED' || r.agentId !== null) return false;
      const online = await ctx.loaders.onlineAgents.load('online');
      return !online.some((a) => r.labels.every((l) => a.labels.includes(l)));
    },
    sweep: (r, _, ctx) => (r.sweepId ? ctx.loaders.sweep.load(r.sweepId) : null),
  },
  Agent: {
    online,
    runs: (a, _, ctx) => ctx.loaders.activeRunsOfAgent.load(a.id),
  },
};
