/**
 * The MetricValue wire format, shared by the server's scalar and every client. GraphQL's Float cannot carry NaN
 * or ±Infinity, yet diverging losses are real training outcomes: a value travels as a JSON number when finite and
 * as one of the strings "NaN", "Infinity", "-Infinity" otherwise. NumberColumn entries use the same encoding,
 * with null where a point is absent.
 */
export type WireMetricValue = number | 'NaN' | 'Infinity' | '-Infinity';
export type WireNumber = number | string | null | undefined;

export function encodeMetricValue(v: number): WireMetricValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/** Strict decoding for input: anything but a finite number or one of the three strings is `undefined`. */
export function decodeMetricValue(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity' || v === '+Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** Lenient decoding for display: absent or unreadable values are NaN. */
export function toNumber(v: WireNumber): number {
  if (v === null || v === undefined) return Number.NaN;
  return decodeMetricValue(v) ?? Number(v);
}
