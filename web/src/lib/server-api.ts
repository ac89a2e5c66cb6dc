// Server-side only (imported by server components).

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { stringifyDocument } from '@urql/core';
import { resolveApiUrls } from './api-url';

/**
 * GraphQL from the Next server to the API, for prefetching during server rendering. Returns null on
 * any problem: the client then loads the data itself and shows errors properly.
 */
export async function serverQuery<T, V>(
  doc: TypedDocumentNode<T, V>,
  variables: V,
  timeoutMs = 5000,
): Promise<T | null> {
  const { http } = resolveApiUrls(process.env.RUNBOARD_API_URL ?? process.env.NEXT_PUBLIC_RUNBOARD_API);
  try {
    const res = await fetch(http, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: stringifyDocument(doc), variables }),
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    return body.errors?.length || !body.data ? null : body.data;
  } catch {
    return null;
  }
}
