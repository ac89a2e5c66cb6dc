/**
 * The filter compiles to SQL over `runs r`; these are the only places it reads another table (a run's
 * metric summaries, metric_latest `ml`; its key-value tags, run_tags `rt`; its MLflow dataset inputs). They are subqueries the run list (run/store.ts) splices in, not
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

/**
 * True when one of the run's dataset inputs has `cond` hold over its dataset's name or digest, or its context tag
 * (`mlflow.data.context`), given as the SQL of that value; without `cond`, when the run has such a value at all.
 */
export const datasetExists = (attribute: 'name' | 'digest' | 'context', cond?: (value: string) => string) => {
  if (attribute === 'context') {
    const where = cond ? ` AND ${cond(`(it.t->>'value')`)}` : '';
    return `EXISTS (SELECT 1 FROM mlflow_run_inputs ri, jsonb_array_elements(ri.tags) it(t)
      WHERE ri.run_id = r.id AND it.t->>'key' = 'mlflow.data.context'${where})`;
  }
  const where = cond ? ` AND ${cond(`ds.${attribute}`)}` : '';
  return `EXISTS (SELECT 1 FROM mlflow_run_inputs ri JOIN mlflow_datasets ds ON ds.id = ri.dataset_id
    WHERE ri.run_id = r.id${where})`;
};

/** The value of the run's key-value tag `keyParam` (NULL when it has none), for sorting. */
export const tagValue = (keyParam: string) =>
  `(SELECT rt.value FROM run_tags rt WHERE rt.run_id = r.id AND rt.key = ${keyParam})`;
