/**
 * Sort keys: the same field grammar as filters (`config.a.b`, `metrics.k`, `max(metrics.k)`,
 * `createdAt`...), compiled to a SQL expression over `r` plus the SQL type of that expression,
 * so the caller can cast keyset-cursor values back (`$n::jsonb`, `$n::"RunStatus"`...).
 */
import type { ColumnName, FieldRef } from './ast.ts';
import { FilterError } from './errors.ts';
import { parseField } from './parser.ts';
import { COLUMNS, configPathArray, METRIC_COLUMNS, metricKeyParam } from './sql-fields.ts';
import { type SqlParams, withScratch } from './sql-params.ts';
import { metricSummaryColumn, tagValue } from './store.ts';

export type OrderSqlType = 'text' | 'jsonb' | 'float8' | 'timestamptz' | 'RunStatus';

export interface CompiledOrderField {
  /** SQL expression over alias `r`; may be NULL for some rows (missing config path, metric never logged). */
  sql: string;
  /** SQL type of `sql`. For 'RunStatus' write the cast quoted: `$n::"RunStatus"`. */
  type: OrderSqlType;
}

/** The columns the public API documents as sort keys (RunOrder in run/schema.ts). */
const SORTABLE: Partial<Record<ColumnName, OrderSqlType>> = {
  name: 'text',
  status: 'RunStatus',
  createdAt: 'timestamptz',
  updatedAt: 'timestamptz',
  startedAt: 'timestamptz',
  finishedAt: 'timestamptz',
};

/**
 * - config.<path> sorts on the jsonb value itself: jsonb has a total order across JSON types
 *   (null < string < number < boolean, objects/arrays after), and missing paths are SQL NULL.
 * - metrics sort on the latest / min / max value, with NaN mapped to NULL: PostgreSQL orders NaN
 *   above every number, which would put diverged runs at the top of every DESC leaderboard;
 *   as NULL they follow the API's "nulls last" rule in both directions.
 * - a key-value tag (a FieldRef the MLflow translator builds; not in the text grammar) sorts on its text, and
 *   so does a config value with `asText` (MLflow's params are strings and sort as strings).
 */
export function compileOrderField(field: string | FieldRef, params: SqlParams): CompiledOrderField {
  const ref = typeof field === 'string' ? parseField(field) : field;
  return withScratch(params, (p): CompiledOrderField => {
    if (ref.kind === 'config' && ref.asText)
      return { sql: `(r.config #>> ${configPathArray(ref.path, p)})`, type: 'text' };
    if (ref.kind === 'config') return { sql: `(r.config #> ${configPathArray(ref.path, p)})`, type: 'jsonb' };
    if (ref.kind === 'metric') {
      const col = METRIC_COLUMNS[ref.aggregate];
      return {
        sql: metricSummaryColumn(col, metricKeyParam(ref.key, p)),
        type: 'float8',
      };
    }
    if (ref.kind === 'tag') return { sql: tagValue(metricKeyParam(ref.key, p)), type: 'text' };
    // A run may have many inputs: there is no one value to sort by (MLflow's order_by has no datasets either).
    if (ref.kind === 'dataset') throw new FilterError(`Cannot sort on "${ref.text}"`, ref.position);
    const type = SORTABLE[ref.column];
    if (!type) {
      throw new FilterError(
        `Cannot sort on "${ref.column}" at position ${ref.position}: sort keys are ${Object.keys(SORTABLE).join(', ')}, ` +
          'config.<path>, metrics.<key>, min(metrics.<key>), max(metrics.<key>)',
        ref.position,
      );
    }
    return { sql: COLUMNS[ref.column].sql, type };
  });
}
