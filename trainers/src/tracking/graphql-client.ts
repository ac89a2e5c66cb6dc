import { encodeMetricValue as encodeWire } from '@runboard/contract/metric-value';
// The parts of Runboard's GraphQL API (schema.graphql) a trainer uses, over @runboard/client.
// Distinguishes "server unreachable" (TransportError: journal and retry later) from "server
// said no" (ApiError: retrying the same call will not help).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { ApiError, GraphQLClient, TransportError } from '@runboard/client';
import {
  CreateRunDocument,
  type CreateRunMutationVariables,
  FinishRunDocument,
  HeartbeatDocument,
  LogMetricsDocument,
  StartRunDocument,
} from '../gql/graphql.ts';
import type { MetricPoint, RunStatus } from './tracker.ts';

export { ApiError, TransportError };

/** MetricValue scalar (contract/src/metric-value.ts); a string is already encoded (read back from the journal). */
export function encodeMetricValue(v: number | string): number | string {
  return typeof v === 'string' ? v : encodeWire(v);
}

export interface RunRef {
  id: string;
  name: string;
  status: string;
  /** Someone asked to stop the run (cancelRun); the trainer stops after the current batch. */
  cancelRequested?: boolean;
}

export interface ClientOptions {
  /** Server base URL (http://host:4000) or its /graphql endpoint. */
  url: string;
  apiKey?: string;
  timeoutMs?: number;
  /** How long one call retries what is safe to retry before the journal keeps it (default 5 s). */
  retryMs?: number;
}

export class RunboardClient {
  readonly graphqlUrl: string;
  readonly origin: string;
  private readonly gql: GraphQLClient;
  private readonly headers: Record<string, string>;

  constructor(opts: ClientOptions) {
    // Retries ride out a blip (refused connection, 429, DATABASE_UNAVAILABLE) for a few seconds; longer
    // outages are the journal's business, which keeps the call and delivers it on a later pass.
    this.gql = new GraphQLClient({ ...opts, retry: { deadlineMs: opts.retryMs ?? 5_000 } });
    this.graphqlUrl = this.gql.url;
    this.origin = this.gql.origin;
    this.headers = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
  }

  /** A typed document generated from schema.graphql (trainers/src/graphql/*.graphql, `npm run codegen`). */
  async send<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    return this.gql.request(doc, variables);
  }

  close(): void {
    this.gql.close();
  }

  async createRun(input: {
    experimentName: string;
    name: string;
    config: unknown;
    tags: string[];
    systemInfo: unknown;
  }): Promise<RunRef> {
    const d = await this.send(CreateRunDocument, { input: input as CreateRunMutationVariables['input'] });
    return d.createRun;
  }

  async startRun(id: string, systemInfo: unknown): Promise<RunRef> {
    const d = await this.send(StartRunDocument, { id, systemInfo: systemInfo as Record<string, unknown> });
    return d.startRun;
  }

  async logMetrics(
    runId: string,
    points: Array<Omit<MetricPoint, 'value'> & { value: number | string }>,
  ): Promise<{ accepted: number; seq: number }> {
    const columns = {
      keys: points.map((p) => p.key),
      steps: points.map((p) => p.step),
      values: points.map((p) => encodeMetricValue(p.value)),
      wallTimes: points.every((p) => p.wallTime != null) ? points.map((p) => p.wallTime!) : undefined,
    };
    const d = await this.send(LogMetricsDocument, { runId, columns });
    return d.logMetrics;
  }

  async heartbeat(runId: string): Promise<RunRef> {
    const d = await this.send(HeartbeatDocument, { runId });
    return d.heartbeat;
  }

  async finishRun(id: string, status: RunStatus, exitCode: number, error?: string): Promise<RunRef> {
    const d = await this.send(FinishRunDocument, { id, status, exitCode, error: error ?? null });
    return d.finishRun;
  }

  /** PUT /artifacts/<runId>/<name>?kind=... streams a file to the server's artifact store. */
  async uploadArtifact(
    runId: string,
    name: string,
    path: string,
    kind: string,
  ): Promise<{ id: string; sha256: string; size: number }> {
    const size = (await stat(path)).size;
    const url = `${this.origin}/artifacts/${encodeURIComponent(runId)}/${name.split('/').map(encodeURIComponent).join('/')}?kind=${encodeURIComponent(kind)}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-length': String(size), 'content-type': 'application/octet-stream', ...this.headers },
        body: Readable.toWeb(createReadStream(path)) as ReadableStream,
        duplex: 'half',
        signal: AbortSignal.timeout(Math.max(60_000, size / 1000)),
      } as RequestInit);
    } catch (e) {
      throw new TransportError(`cannot upload to ${url}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as {
      id?: string;
      sha256?: string;
      size?: number;
      error?: { code?: string; message?: string };
    };
    if (res.status >= 500) throw new TransportError(`upload ${url}: HTTP ${res.status}`);
    if (!res.ok || !body.id)
      throw new ApiError(`upload ${name}: ${body.error?.message ?? `HTTP ${res.status}`}`, body.error?.code);
    return { id: body.id, sha256: body.sha256 ?? '', size: body.size ?? size };
  }
}
