// Server-side only (imported by server components).
import {
  CompareSeqsDocument,
  type CompareSeqsQuery,
  MetricSeriesDocument,
  type MetricSeriesQuery,
} from '@/gql/graphql';
import { maxPointsForOverlay } from './series';
import { serverQuery } from './server-api';

export interface ComparePrefetch {
  head: CompareSeqsQuery;
  series: MetricSeriesQuery['metricSeries'];
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
  if (!head.metricKeys.length) return { head, series: [], maxPoints };
  const s = await serverQuery(MetricSeriesDocument, { runIds, keys: head.metricKeys, maxPoints }, 15_000);
  return s ? { head, series: s.metricSeries.map(compact), maxPoints } : null;
}

/** 6 significant digits: far below a pixel, and it shrinks the payload streamed into the page by ~40%. */
const round = (col: Array<number | string | null>) =>
  col.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));

function compact(s: MetricSeriesQuery['metricSeries'][number]): MetricSeriesQuery['metricSeries'][number] {
  const c = s.columns;
  return { ...s, columns: { ...c, value: round(c.value), min: round(c.min), max: round(c.max) } };
}
