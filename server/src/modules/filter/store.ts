/**
 * The filter compiles to SQL over `runs r`; these are the only places it reads another table (a run's
 * metric summaries, metric_latest `ml`; its key-value tags, run_tags `rt`). They are subqueries the run list (run/store.ts) splices in, not
 * statements of their own.
 */

/** True when the run has a summary of the metric key `keyParam` (and `where`, over `ml`, holds). */
export const metricSummaryExists = (keyParam: string, where: string) =>
  `EXISTS (SELECT 1 FROM metric_latest ml WHERE ml.run_id = r.id AND ml.key = ${keyParam}${where})`;

/** One column of the run's summary of the metric key `keyParam`, NaN as NULL (see compile-order.ts). */
export const metricSummaryColumn = (column: string, keyParam: string) =>
  `(SELECT NULLIF(${column}, 'NaN'::float8) FROM metric_latest ml WHERE ml.run_id = r.id AND ml.key = ${keyParam})`;

/** True when the run has the key-value tag `keyParam` (and `where`, over `rt.value`, holds). */
export const tagExists = (keyParam: string, where: string) =>
  `EXISTS (SELECT 1 FROM run_tags rt WHERE rt.run_id = r.id AND rt.key = ${keyParam}${where})`;

/** The value of the run's key-value tag `keyParam` (NULL when it has none), for sorting. */
export const tagValue = (keyParam: string) =>
  `(SELECT rt.value FROM run_tags rt WHERE rt.run_id = r.id AND rt.key = ${keyParam})`;
