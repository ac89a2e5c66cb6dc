/**
 * GraphQL over HTTP for tests and benchmarks, and the run lifecycle calls every test needs: one
 * definition, so a schema change breaks one place.
 */
import { GraphQLClient } from '@runboard/client';

export type Gql = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export interface GraphQLBody<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

/** One client per (url, key), so tests share kept-alive connections as a real caller would. */
const clients = new Map<string, GraphQLClient>();
function clientFor(url: string, apiKey: string | undefined): GraphQLClient {
  const id = `${url}\n${apiKey ?? ''}`;
  let c = clients.get(id);
  // No retries: tests assert the server's exact answer (a 503 DATABASE_UNAVAILABLE included). No
  // timeout of its own either: a test's own timeout bounds it (some requests log 400,000 points).
  if (!c) clients.set(id, (c = new GraphQLClient({ url, apiKey, retry: false, timeoutMs: 600_000 })));
  return c;
}

/** POSTs one operation and returns the whole body ({ data, errors }), for tests that expect errors. */
export async function gqlRequest<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  apiKey?: string,
): Promise<GraphQLBody<T>> {
  const { data, errors } = await clientFor(url, apiKey).execute<T>(query, variables);
  return { ...(data !== undefined ? { data: data as T } : {}), ...(errors ? { errors } : {}) };
}

/**
 * POSTs with plain fetch: no client, no retry. For tests that read the HTTP status and Retry-After (a 503 while the
 * database is down), or that expect the request itself to fail.
 */
export async function postRaw(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

/** Throws on any GraphQL error, so a test never reads `data` of a failed call. */
export function checked<T>(body: GraphQLBody<T>): T {
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 2000)}`);
  if (body.data === undefined) throw new Error('GraphQL response without data');
  return body.data;
}

export function gqlClient(url: string, apiKey?: string): Gql {
  return async (query, variables) => checked(await gqlRequest(url, query, variables, apiKey));
}

/** The first error's extensions.code (or undefined), for asserting stable error codes. */
export const errorCode = (body: GraphQLBody) => body.errors?.[0]?.extensions?.code as string | undefined;

export interface RunInput {
  experimentName: string;
  name?: string;
  config?: Record<string, unknown>;
  tags?: string[];
}

export async function createRun(gql: Gql, input: RunInput): Promise<{ id: string; name: string; config: any }> {
  const d = await gql(`mutation($input: CreateRunInput!) { createRun(input: $input) { id name config } }`, { input });
  return d.createRun;
}

export async function startRun(gql: Gql, id: string, systemInfo?: Record<string, unknown>): Promise<void> {
  await gql(`mutation($id: ID!, $s: JSON) { startRun(id: $id, systemInfo: $s) { id } }`, { id, s: systemInfo });
}

/** Creates a run and starts it (RUNNING, ready for metrics): what a trainer does first. */
export async function createRunningRun(gql: Gql, input: RunInput, systemInfo?: Record<string, unknown>) {
  const run = await createRun(gql, input);
  await startRun(gql, run.id, systemInfo);
  return run;
}

export async function runStatus(gql: Gql, id: string): Promise<string> {
  return (await gql(`query($id: ID!) { run(id: $id) { status } }`, { id })).run.status;
}

/** A unique name per call, so each test works in its own experiment whatever ran before it. */
let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}-${Date.now().toString(36)}`;
