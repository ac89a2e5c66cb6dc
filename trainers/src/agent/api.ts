// The agent's side of the agent protocol (see schema.graphql: registerAgent, claimRuns, renewLeases,
// reportRunExit, appendRunLogs) over @runboard/client, whose retries ride out a server restart.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLClient } from '@runboard/client';
import {
  AppendRunLogsDocument,
  ClaimRunsDocument,
  RegisterAgentDocument,
  RenewLeasesDocument,
  ReportRunExitDocument,
} from '../gql/graphql.ts';

export interface Assignment {
  run: { id: string; name: string; config: Record<string, unknown>; experiment: { name: string } };
  attempt: number;
  leaseSeconds: number;
}

export class AgentApi {
  private readonly gql: GraphQLClient;

  constructor(url: string, apiKey?: string, log: (m: string) => void = () => {}) {
    this.gql = new GraphQLClient({ url, apiKey, log });
  }

  /** Pending retries (some retry until the server answers) give up when the agent stops. */
  close(): void {
    this.gql.close();
  }

  /**
   * A typed document generated from schema.graphql (trainers/src/graphql/agent.graphql, `npm run codegen`).
   * What is safe to repeat is retried until `deadlineMs` (@runboard/client); GraphQL errors are thrown.
   */
  send<R, V extends Record<string, unknown>>(
    doc: TypedDocumentNode<R, V>,
    variables: V,
    deadlineMs = 60_000,
  ): Promise<R> {
    return this.gql.request(doc, variables, { retry: { deadlineMs } });
  }

  register(input: {
    id: string;
    name: string;
    host: string;
    labels: string[];
    gpus: string[];
    concurrency: number;
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
