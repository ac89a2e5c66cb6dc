// Server-side only (imported by server components).

import { RunsExistDocument } from '@/gql/graphql';
import { serverQuery } from './data/server';

/** The filter language caps a filter at 4,000 characters: 80 quoted UUIDs per request stay well below. */
const CHUNK = 80;

/**
 * Which of these run ids exist (UUIDs only; anything else cannot). Null when the API could not be
 * asked: the caller then renders as before and lets the client report problems.
 */
export async function existingRunIds(ids: string[]): Promise<Set<string> | null> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += CHUNK) chunks.push(ids.slice(i, i + CHUNK));
  const pages = await Promise.all(
    chunks.map((c) =>
      serverQuery(RunsExistDocument, { where: `id IN (${c.map((id) => `"${id}"`).join(', ')})`, first: c.length }),
    ),
  );
  if (pages.some((p) => p === null)) return null;
  return new Set(pages.flatMap((p) => p!.runs.nodes.map((n) => n.id.toLowerCase())));
}
