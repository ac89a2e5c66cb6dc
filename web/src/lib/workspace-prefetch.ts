// Server-side only (imported by server components).
import { WorkspaceRunsDocument, type WorkspaceRunsQuery, WorkspaceSeriesDocument } from '@/gql/graphql';
import { serverQuery } from './data/server';
import { packSeries } from './series-pack';
import { WORKSPACE_WIDTH_PX, workspacePoints } from './workspace';

/** What a panel needs of a run. */
export interface WorkspaceRun {
  id: string;
  name: string;
  seq: number;
}

/** The workspace's run list and series, fetched while the page renders; `for` says which view they belong to. */
export interface WorkspacePrefetch {
  for: { where: string; archived: boolean | null; panels: string[] };
  runs: WorkspaceRun[];
  /** WorkspaceSeries' answer packed as one string (see packSeries): one value for the RSC stream to carry. */
  series: string;
  maxPoints: number;
}

/**
 * The workspace's data on the server, streamed to the browser with the page, so the fetching overlaps the
 * browser loading and hydrating the page (as on /compare). Runs first, then the series: the runs' seqs are
 * read first so metricsLogged, resuming from them, misses nothing logged in between. Null on any problem:
 * the browser then loads the data itself.
 */
export async function prefetchWorkspace(
  experimentId: string,
  where: string,
  archived: boolean | null,
  panels: string[],
): Promise<WorkspacePrefetch | null> {
  const runs: WorkspaceRun[] = [];
  let after: string | null = null;
  do {
    const page: WorkspaceRunsQuery | null = await serverQuery(WorkspaceRunsDocument, {
      experimentId,
      where: where || null,
      archived,
      after,
    });
    if (!page) return null;
    runs.push(...page.runs.nodes);
    after = page.runs.pageInfo.hasNextPage ? (page.runs.pageInfo.endCursor ?? null) : null;
  } while (after);
  const maxPoints = workspacePoints(runs.length, panels.length, WORKSPACE_WIDTH_PX);
  const base = { for: { where, archived, panels }, runs, maxPoints };
  if (!runs.length || !panels.length) return { ...base, series: packSeries([]) };
  const s = await serverQuery(
    WorkspaceSeriesDocument,
    { runIds: runs.map((r) => r.id), keys: panels, maxPoints },
    15_000,
  );
  return s ? { ...base, series: packSeries(s.metricSeries) } : null;
}
