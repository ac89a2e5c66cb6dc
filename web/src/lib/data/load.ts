'use client';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useCallback } from 'react';
import { type AnyVariables, type OperationResult, useClient } from 'urql';

export type Loaded<T, V extends AnyVariables = AnyVariables> = OperationResult<T, V>;

/**
 * Reads that accumulate rather than replace: cursor pages appended to a table, a log paged until caught up,
 * every matching run for an export, a value polled while a run waits. A view's own data is `useQuery`'s; these
 * go through the same urql client, always to the network (what they add to must not come from a stale cache).
 */
export function useLoad(): <T, V extends AnyVariables>(
  doc: TypedDocumentNode<T, V>,
  variables: V,
) => Promise<Loaded<T, V>> {
  const client = useClient();
  return useCallback(
    <T, V extends AnyVariables>(doc: TypedDocumentNode<T, V>, variables: V) =>
      client.query(doc, variables, { requestPolicy: 'network-only' }).toPromise(),
    [client],
  );
}

export type Load = ReturnType<typeof useLoad>;
