// Server-side only (imported by server components): the same API, reached from the Next server.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLClient } from '@runboard/client';
import { cookies } from 'next/headers';
import { resolveApiUrls } from '../api-url';

/** Set on globalThis by web/session-proxy.ts (same process, other module graph): session id -> API key. */
const REGISTRY = Symbol.for('runboard.session-proxies');
const COOKIE = 'runboard_session';

/** The signed-in browser's API key, so server rendering sees what the browser may see; null when none. */
async function sessionKey(): Promise<string | null> {
  const proxies = (globalThis as { [REGISTRY]?: Set<{ keyForSession(sid: string): string | null }> })[REGISTRY];
  if (!proxies?.size) return null;
  let sid: string | undefined;
  try {
    sid = (await cookies()).get(COOKIE)?.value;
  } catch {
    return null; // outside a request (e.g. at build time)
  }
  if (!sid) return null;
  for (const p of proxies) {
    const key = p.keyForSession(sid);
    if (key) return key;
  }
  return null;
}

/** One client (and connection pool) per API URL; each call carries its session's key. */
const clients = new Map<string, GraphQLClient>();
function clientFor(url: string): GraphQLClient {
  let c = clients.get(url);
  // One attempt: server rendering must not wait out an outage; the browser loads the data itself then.
  if (!c) clients.set(url, (c = new GraphQLClient({ url, retry: false })));
  return c;
}

/**
 * GraphQL from the Next server to the API, for prefetching during server rendering. Returns null on
 * any problem: the client then loads the data itself and shows errors properly.
 */
export async function serverQuery<T, V extends Record<string, unknown>>(
  doc: TypedDocumentNode<T, V>,
  variables: V,
  timeoutMs = 5000,
): Promise<T | null> {
  const { http } = resolveApiUrls(process.env.RUNBOARD_API_URL ?? process.env.NEXT_PUBLIC_RUNBOARD_API);
  const key = await sessionKey();
  try {
    return await clientFor(http).request(doc, variables, { apiKey: key, timeoutMs });
  } catch {
    return null;
  }
}
