import { notFound } from 'next/navigation';
import { metricKeysToFetch } from '@/components/experiment/columns';
import { ExperimentView } from '@/components/experiment/experiment-view';
import { ExperimentExistsDocument, ExperimentMetricKeysDocument, ExperimentPageDocument } from '@/gql/graphql';
import { serverQuery } from '@/lib/data/server';
import { parseSort, RUNS_PAGE_SIZE, readViewState } from '@/lib/view-state';
import { prefetchWorkspace } from '@/lib/workspace-prefetch';

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * /experiments/<id>?where=&sort=&cols=&group=&archived=&chart=&band=&view= (see lib/view-state.ts).
 * The header, the metric keys and the first page of runs are fetched here with the same arguments the client
 * would use, so the HTML already holds the table and the client does not load that page again. A missing
 * experiment answers HTTP 404; when the API cannot be asked (or the filter is invalid), the page renders
 * without data and the client reports the problem.
 */
export default async function ExperimentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const id = decodeURIComponent((await params).id);
  const sp = await searchParams;
  const one = (k: string) => {
    const v = sp[k];
    return (Array.isArray(v) ? v[0] : v) ?? null;
  };
  const view = readViewState({ get: one });
  const archived = view.archived ? null : false;
  // An open workspace's runs and series: started now, not awaited, streamed to the browser when ready (the
  // table's page goes first). Grouped panels draw the table's rows, so there is nothing to fetch ahead.
  // A failed prefetch is null: the browser then fetches.
  const workspace =
    view.panels?.length && !view.group.length
      ? prefetchWorkspace(id, view.where, archived, view.panels).catch(() => null)
      : undefined;
  const pageOf = (metricKeys: string[]) =>
    serverQuery(ExperimentPageDocument, {
      id,
      where: view.where || null,
      archived,
      orderBy: parseSort(view.sort),
      first: RUNS_PAGE_SIZE,
      metricKeys,
    });
  // The metric columns depend on the experiment's keys. The page is asked for alongside them with the usual
  // guess (the main metrics) and again only when the keys prove the guess wrong (no main metric logged).
  const guess = metricKeysToFetch(view.cols, undefined);
  const [first, keys] = await Promise.all([pageOf(guess), serverQuery(ExperimentMetricKeysDocument, { id })]);
  const metricKeys = keys?.metricKeys ?? null;
  const wanted = metricKeysToFetch(view.cols, metricKeys ?? undefined);
  const initial = first && wanted.join() !== guess.join() ? await pageOf(wanted) : first;
  if (initial && !initial.experiment) notFound();
  if (!initial) {
    const found = await serverQuery(ExperimentExistsDocument, { id });
    if (found && !found.experiment) notFound();
  }
  return (
    <ExperimentView
      key={id}
      id={id}
      initial={initial}
      initialMetricKeys={initial ? metricKeys : null}
      workspacePrefetch={workspace}
    />
  );
}
