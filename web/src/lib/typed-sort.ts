/**
 * Client-side sorting by value type: numbers as numbers, text in natural order ("run-2" before "run-10"),
 * missing values last in either direction. Used where every row is already loaded (the sweep's runs).
 */

export type SortValue = number | string | null | undefined;

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compares two values: numbers numerically and before text, text naturally. Missing values are equal. */
export function compareValues(a: SortValue, b: SortValue): number {
  const an = typeof a === 'number' && !Number.isNaN(a);
  const bn = typeof b === 'number' && !Number.isNaN(b);
  if (an && bn) return (a as number) - (b as number);
  if (an !== bn) return an ? -1 : 1;
  return natural.compare(String(a ?? ''), String(b ?? ''));
}

/** A stable sort of `rows` by `key`; null/undefined (and NaN) values stay last whatever the direction. */
export function sortRows<T>(rows: readonly T[], key: (row: T) => SortValue, desc: boolean): T[] {
  const missing = (v: SortValue) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  return rows
    .map((row, i) => ({ row, i, v: key(row) }))
    .sort((x, y) => {
      const mx = missing(x.v);
      const my = missing(y.v);
      if (mx || my) return mx === my ? x.i - y.i : mx ? 1 : -1;
      const c = compareValues(x.v, y.v);
      return (desc ? -c : c) || x.i - y.i;
    })
    .map((e) => e.row);
}
