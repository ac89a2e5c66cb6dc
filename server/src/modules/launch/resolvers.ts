import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import type { Context } from '../context.ts';
import type { Resolvers } from '../resolvers-types.generated.ts';
import type { RunRow } from '../run/store.ts';

import { trainerConfigJsonSchema } from './config-contract.ts';
import { AGENT_OFFLINE_SECONDS } from './service.ts';
import type { AgentRow, LogLine } from './store.ts';

/** Why no online agent can take a QUEUED, unclaimed run: null when one can (or the run is not waiting). */
async function waitingReason(r: RunRow, ctx: Context): Promise<string | null> {
  if (r.status !== 'QUEUED' || r.agentId !== null) return null;
  const agents = await ctx.loaders.onlineAgents.load('online');
  if (agents.length === 0) return 'no agent is online';
  const entryPoint = r.entryPoint ?? BUILTIN_ENTRY_POINT;
  const runsIt = agents.filter((a) => a.entryPoints.some((e) => e.name === entryPoint));
  if (runsIt.length === 0) return `no online agent has the entry point ${JSON.stringify(entryPoint)}`;
  if (runsIt.some((a) => r.labels.every((l) => a.labels.includes(l)))) return null;
  return `no online agent with the entry point ${JSON.stringify(entryPoint)} has the labels ${r.labels.join(', ')}`;
}

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
    registerAgent: (_, a, ctx) => ctx.services.launch.registerAgent(a.input, ctx.auth),
    claimRuns: (_, a, ctx) => ctx.services.launch.claimRuns(a.agentId, a.max, ctx.auth),
    renewLeases: (_, a, ctx) => ctx.services.launch.renewLeases(a.agentId, a.runIds, ctx.auth),
    reportRunExit: (_, a, ctx) =>
      ctx.services.launch.reportRunExit(
        ctx.auth,
        a.agentId,
        a.runId,
        a.exitCode ?? null,
        a.signal ?? null,
        a.error ?? null,
      ),
    appendRunLogs: (_, a, ctx) => ctx.services.logs.append(a.runId, a.lines, ctx.auth),
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
    entryPoint: (r) => r.entryPoint ?? BUILTIN_ENTRY_POINT,
    waitingForAgent: async (r, _, ctx) => (await waitingReason(r, ctx)) !== null,
    waitingReason: (r, _, ctx) => waitingReason(r, ctx),
    sweep: (r, _, ctx) => (r.sweepId ? ctx.loaders.sweep.load(r.sweepId) : null),
  },
  Agent: {
    online,
    runs: (a, _, ctx) => ctx.loaders.activeRunsOfAgent.load(a.id),
    activeRunCount: (a, _, ctx) => ctx.loaders.activeRunCount.load(a.id),
  },
};
