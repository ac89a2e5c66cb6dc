import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, print } from 'graphql';

const cache = new WeakMap<DocumentNode, string>();

/** The query text of a generated document, printed once per document. */
export function queryText(doc: DocumentNode | TypedDocumentNode<unknown, never>): string {
  let text = cache.get(doc);
  if (text === undefined) cache.set(doc, (text = print(doc)));
  return text;
}
