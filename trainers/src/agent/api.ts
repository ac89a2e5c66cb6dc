// The agent's side of the agent protocol (see schema.graphql: registerAgent, claimRuns, renewLeases,
// reportRunExit, appendRunLogs). Calls are retried with backoff, so a server restart is ridden out.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AppendRunLogsDocument,
  ClaimRunsDocument,
  RegisterAgentDocument,
  RenewLeasesDocument,
  ReportRunExitDocument,
} from '../gql/graphql.ts';
import { queryText } from '../gql/print.ts';

export interface Assignment {
  run: {
    id: string;
    name: string;
    config: Record<string, unknown>;
    experiment: { name: string };
    launch?: { entryPoint: string } | null;
  };
  attempt: number;
  leaseSeconds: number;
}

export class AgentApi {
  /** Aborted by close(): pending retries (some retry until the server answers) give up when the agent stops. */
  private readonly closing = new AbortController();

  constructor(
    private readonly url: string,
    private readonly apiKey?: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  close(): void {
    this.closing.abort();
  }

  /** One GraphQL call; transport failures and 5xx are retried until `deadline`, GraphQL errors are thrown. */
  async call<T>(query: string, variables: Record<string, unknown>, deadlineMs = 60_000): Promise<T> {
    const until = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closing.signal.aborted) throw new Error('agent stopped');
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.any([AbortSignal.timeout(15_000), this.closing.signal]),
        });
        if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
        if (body.errors?.length) {
          const e = body.errors[0]!;
          throw Object.assign(new Error(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`), { graphql: true });
        }
        return body.data as T;
      } catch (err) {
        if ((err as { graphql?: boolean }).graphql || Date.now() > until || this.closing.signal.aborted) throw err;
        if (attempt % 10 === 0)
          this.log(
            `server unreachable (${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause?: Error }).cause!.message}` : ''}); retrying`,
          );
        await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  /** A typed document generated from schema.graphql (trainers/src/graphql/agent.graphql, `npm run codegen`). */
  send<R, V extends Record<string, unknown>>(
    doc: TypedDocumentNode<R, V>,
    variables: V,
    deadlineMs?: number,
  ): Promise<R> {
    return this.call<R>(queryText(doc), variables, deadlineMs);
  }

  register(input: {
    id: string;
    name: string;
    host: string;
    labels: string[];
    gpus: string[];
    concurrency: number;
    /** Default: the built-in trainer alone (see RegisterAgentInput.entryPoints). */
    entryPoints?: { name: string; command: string[] }[];
    info: Record<string, unknown>;
  }) {
    return this.send(RegisterAgentDocument, { input }, Infinity);
  }

  async claim(agentId: string, max: number): Promise<Assignment[]> {
    const d = await this.send(ClaimRunsDocument, { agentId, max });
    return d.claimRuns;
  }

  async renew(agentId: string, runIds: string[]): Promise<{ cancel: string[]; lost: string[]; ended: string[] }> {
    const d = await this.send(RenewLeasesDocument, { agentId, runIds }, 10_000);
    return d.renewLeases;
  }

  reportExit(agentId: string, runId: string, exitCode: number | null, signal: string | null, error: string | null) {
    return this.send(ReportRunExitDocument, { agentId, runId, exitCode, signal, error }, Infinity);
  }

  appendLogs(runId: string, lines: { stream: 'STDOUT' | 'STDERR'; text: string; time: string }[]) {
    return this.send(AppendRunLogsDocument, { runId, lines }, Infinity);
  }
}
