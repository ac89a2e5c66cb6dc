// graphql.web (urql's spec-compliant printer and parser, a few kB) rather than graphql-js: ./live runs in
// the dashboard's browser bundle too.
import { Kind, parse, print } from '@0no-co/graphql.web';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

/**
 * Mutations the contract (contract/schema.graphql) documents as safe to repeat: a repeated call rewrites
 * the same rows or returns the state it already made. Everything else (createRun, appendRunLogs,
 * claimRuns, launchRun, ...) would act twice, so after an unknown outcome it is not repeated.
 */
export const IDEMPOTENT_MUTATIONS: ReadonlySet<string> = new Set([
  'logMetrics', // ON CONFLICT (run, key, step): a retried batch rewrites the same rows
  'startRun', // RUNNING -> RUNNING is allowed; systemInfo is merged
  'finishRun', // repeating the status the run already has is a no-op
  'heartbeat',
  'registerAgent', // upsert by the agent's id
  'renewLeases',
  'reportRunExit', // an ended run is returned as it is
  'cancelRun', // cancelling a CANCELED run is a no-op
  'cancelSweep',
]);

export type Document<R = unknown, V = Record<string, unknown>> = TypedDocumentNode<R, V> | DocumentNode | string;

interface Operation {
  text: string;
  idempotent: boolean;
}

const cache = new WeakMap<DocumentNode, Operation>();

function describe(doc: DocumentNode, text: string): Operation {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fields = op?.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '')) ?? [];
  const idempotent =
    op?.operation === 'query' || (op?.operation === 'mutation' && fields.every((f) => IDEMPOTENT_MUTATIONS.has(f)));
  return { text, idempotent };
}

/** The query text to send and whether the operation may be repeated; documents are printed once. */
export function operationOf(doc: Document): Operation {
  if (typeof doc === 'string') {
    try {
      return describe(parse(doc) as unknown as DocumentNode, doc);
    } catch {
      return { text: doc, idempotent: false }; // the server will say what is wrong with it
    }
  }
  let op = cache.get(doc);
  if (!op) cache.set(doc, (op = describe(doc, print(doc as Parameters<typeof print>[0]))));
  return op;
}
