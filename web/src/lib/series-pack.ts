import type { WireNumber } from './metric-value';
import type { SeriesColumnsWire } from './series';

/** metricSeries' answer, full (MetricSeries) or lean (WorkspaceSeries: steps and values only). */
export type SeriesWireList = {
  runId: string;
  key: string;
  downsampled: boolean;
  bucketSize: number;
  totalPoints: number;
  columns: SeriesColumnsWire;
}[];

/**
 * The compare page's prefetched series, packed on the server and unpacked in the browser.
 * Series as a compact JSON string: values to 6 significant digits, wall times as differences from the
 * previous point (a 13-digit timestamp per point was ~30% of the page). unpackSeries restores them.
 */
export function packSeries<L extends SeriesWireList>(list: L): string {
  return JSON.stringify(list.map(compact));
}

export function unpackSeries<L extends SeriesWireList>(json: string): L {
  const list = JSON.parse(json) as L;
  for (const s of list) {
    const w = s.columns.wallTime as number[] | undefined;
    if (w) for (let i = 1; i < w.length; i++) w[i] = w[i - 1]! + w[i]!;
  }
  return list;
}

/** 6 significant digits: far below a pixel, and it shrinks the payload streamed into the page by ~40%. */
const round = (col: WireNumber[]): WireNumber[] =>
  col.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));

function compact<S extends SeriesWireList[number]>(s: S): S {
  const c = s.columns;
  const w = c.wallTime as number[] | undefined;
  const wallTime = w?.map((t, i) => (i === 0 ? t : t - w[i - 1]!));
  const out: SeriesColumnsWire = { ...c, value: round(c.value) };
  if (c.min) out.min = round(c.min);
  if (c.max) out.max = round(c.max);
  if (wallTime) out.wallTime = wallTime;
  return { ...s, columns: out };
}
