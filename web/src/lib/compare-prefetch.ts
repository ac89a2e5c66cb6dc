// Server-side only (imported by server components).
import { CompareSeqsDocument, type CompareSeqsQuery, MetricSeriesDocument } from '@/gql/graphql';
import { serverQuery } from './data/server';
import { maxPointsForOverlay } from './series';
import { packSeries } from './series-pack';

export interface ComparePrefetch {
  head: CompareSeqsQuery;
  /**
   * The series as one JSON string (see packSeries). As a string it crosses the RSC stream as a single value
   * the browser JSON.parses in a few ms; as objects, React's stream decoder revived ~130k numbers one by one
   * on the main thread while the page was loading (100 runs x 4 metrics).
   */
  series: string;
  maxPoints: number;
}

/** About one point per pixel of a chart in a two-column grid on a common screen. */
export const SSR_CHART_WIDTH = 600;

/**
 * Seqs first, then the series (the order matters: metricsLogged resumes from those seqs). Started by the
 * compare page on the server and streamed to the browser, so fetching overlaps loading the JavaScript.
 */
export async function prefetchCompare(runIds: string[]): Promise<ComparePrefetch | null> {
  const head = await serverQuery(CompareSeqsDocument, { runIds });
  if (!head) return null;
  const maxPoints = maxPointsForOverlay(SSR_CHART_WIDTH, runIds.length);
  if (!head.metricKeys.length) return { head, series: packSeries([]), maxPoints };
  const s = await serverQuery(MetricSeriesDocument, { runIds, keys: head.metricKeys, maxPoints }, 15_000);
  return s ? { head, series: packSeries(s.metricSeries), maxPoints } : null;
}
