/**
 * The GraphQL client of every non-browser caller (trainer, agent, the dashboard's server, tests,
 * benchmarks): `request(doc, variables)` with a generated TypedDocumentNode, the key sent as
 * `Authorization: Bearer <key>` (what the server, the session proxy and the agent's trainers expect),
 * and one retry policy (retry.ts) for every caller.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { ApiError, type GraphQLErrorBody, TransportError } from './errors.ts';
import { type Document, operationOf } from './idempotence.ts';
import { type Attempt, backoffMs, DEFAULT_RETRY, judge, NO_RETRY, type RetryPolicy, type Verdict } from './retry.ts';
import { type Answer, SendError, Transport } from './transport.ts';

export interface ClientOptions {
  /** The server's base URL (http://host:4000) or its /graphql endpoint. */
  url: string;
  apiKey?: string;
  /** Per attempt; default 15 s. */
  timeoutMs?: number;
  /** Default for every call; `false`: one attempt. */
  retry?: Partial<RetryPolicy> | false;
  /** Told when a call starts retrying and every 10th retry after (the agent logs it). */
  log?: (message: string) => void;
  maxSockets?: number;
}

export interface CallOptions {
  /** This call's key instead of the client's (the dashboard's server calls with each session's key); null: none. */
  apiKey?: string | null;
  retry?: Partial<RetryPolicy> | false;
  /** Overrides what the document says (idempotence.ts): may the call be repeated after an unknown outcome? */
  idempotent?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A GraphQL answer as it came: for callers (tests) that assert errors and HTTP statuses themselves. */
export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

/** The code of a made-up error for an answer that was not GraphQL (a proxy's HTML page): not the API refusing. */
export const NO_GRAPHQL_ANSWER = 'NO_GRAPHQL_ANSWER';

export function graphqlUrl(url: string): URL {
  const u = new URL(url);
  if (!u.pathname.endsWith('/graphql')) u.pathname = `${u.pathname.replace(/\/$/, '')}/graphql`;
  return u;
}

type Outcome =
  | (Extract<Attempt, { kind: 'answered' }> & { response: GraphQLResponse<never> })
  | { kind: 'failed'; error: SendError };

function verdictOf(outcome: Outcome, idempotent: boolean): Verdict {
  if (outcome.kind === 'answered') return judge(outcome, idempotent);
  if (outcome.error.aborted) return { retry: false }; // close() or the caller's signal: stop now
  return judge({ kind: 'failed', code: outcome.error.code, reusedSocket: outcome.error.reusedSocket }, idempotent);
}

const bearer = (key: string | null | undefined): Record<string, string> =>
  key ? { authorization: `Bearer ${key}` } : {};

const policyOf = (p: Partial<RetryPolicy> | false | undefined, base: RetryPolicy): RetryPolicy =>
  p === false ? NO_RETRY : { ...base, ...p };

export class GraphQLClient {
  readonly url: string;
  readonly origin: string;
  private readonly transport: Transport;
  private readonly headers: Record<string, string>;
  private readonly policy: RetryPolicy;
  /** Aborted by close(): pending retries give up (an agent that stops does not wait out a dead server). */
  private readonly closing = new AbortController();

  constructor(private readonly opts: ClientOptions) {
    const u = graphqlUrl(opts.url);
    this.url = u.toString();
    this.origin = u.origin;
    this.transport = new Transport(u, opts.maxSockets);
    this.headers = bearer(opts.apiKey);
    this.policy = policyOf(opts.retry, DEFAULT_RETRY);
  }

  /** The data of a successful call. GraphQL errors throw ApiError; not reaching the server throws TransportError. */
  async request<R, V extends Record<string, unknown> = Record<string, unknown>>(
    doc: TypedDocumentNode<R, V> | Document<R, V>,
    variables?: V,
    o: CallOptions = {},
  ): Promise<R> {
    const res = await this.execute<R>(doc, variables, o);
    const first = res.errors?.[0];
    const code = first?.extensions?.code;
    if (res.status === 429 || res.status >= 500 || code === 'DATABASE_UNAVAILABLE' || code === NO_GRAPHQL_ANSWER)
      throw new TransportError(
        `${this.url} answered HTTP ${res.status}${first ? `: ${first.message}` : ''}`,
        res.status,
        code,
      );
    if (first)
      throw new ApiError(`${first.extensions?.code ?? 'ERROR'}: ${first.message}`, first.extensions?.code, res.errors);
    if (res.data == null) throw new ApiError(`HTTP ${res.status} without data`, undefined);
    return res.data;
  }

  /**
   * The whole answer ({ status, data, errors }) after the retry policy is done with it. Throws
   * TransportError only when no GraphQL answer came at all.
   */
  async execute<R>(
    doc: Document,
    variables?: Record<string, unknown>,
    o: CallOptions = {},
  ): Promise<GraphQLResponse<R>> {
    const { text, idempotent } = operationOf(doc);
    const body = JSON.stringify({ query: text, variables });
    const headers = o.apiKey === undefined ? this.headers : bearer(o.apiKey);
    const policy = policyOf(o.retry, this.policy);
    const signal = o.signal ? AbortSignal.any([o.signal, this.closing.signal]) : this.closing.signal;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new TransportError('client closed');
      const outcome = await this.attempt(body, headers, o.timeoutMs, signal);
      const verdict = verdictOf(outcome, o.idempotent ?? idempotent);
      const wait = verdict.retry ? (verdict.afterMs ?? backoffMs(attempt, policy)) : 0;
      if (!verdict.retry || Date.now() + wait - started > policy.deadlineMs) {
        if (outcome.kind === 'answered') return outcome.response;
        throw new TransportError(`cannot reach ${this.url}: ${outcome.error.message}`);
      }
      if (attempt % 10 === 0)
        this.opts.log?.(
          `server unreachable (${outcome.kind === 'answered' ? `HTTP ${outcome.status}` : outcome.error.message}); retrying`,
        );
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  /** One attempt, its answer parsed: a body that is not a GraphQL answer counts as no answer. */
  private async attempt(
    body: string,
    headers: Record<string, string>,
    timeoutMs: number | undefined,
    signal: AbortSignal,
  ): Promise<Outcome> {
    let answer: Answer;
    try {
      answer = await this.transport.post(body, {
        headers,
        timeoutMs: timeoutMs ?? this.opts.timeoutMs ?? 15_000,
        signal,
      });
    } catch (err) {
      if (err instanceof SendError) return { kind: 'failed', error: err };
      throw err;
    }
    let response: GraphQLResponse<never>;
    try {
      const parsed = JSON.parse(answer.text) as Omit<GraphQLResponse<never>, 'status'>;
      response = { status: answer.status, data: parsed.data, errors: parsed.errors };
    } catch {
      const message = `HTTP ${answer.status} without a GraphQL answer`;
      response = { status: answer.status, errors: [{ message, extensions: { code: NO_GRAPHQL_ANSWER } }] };
    }
    const retryAfter = answer.headers['retry-after'];
    return {
      kind: 'answered',
      status: answer.status,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
      codes: (response.errors ?? []).map((e) => String(e.extensions?.code ?? '')),
      response,
    };
  }

  /**
   * One attempt with a body serialised by the caller, answered as text: for benchmarks, which send the
   * same prepared body many times and must not spend client CPU re-serialising it.
   */
  async sendPrepared(
    body: string,
    path?: string,
  ): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
    const { status, text, headers } = await this.transport.post(body, {
      path,
      headers: this.headers,
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      signal: this.closing.signal,
    });
    return { status, text, headers };
  }

  /** Ends pending retries and the connection pool. */
  close(): void {
    this.closing.abort();
    this.transport.close();
  }
}
