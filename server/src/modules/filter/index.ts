/**
 * Runboard's run filter language and sort-key compiler.
 *
 *   const params = new SqlParams(myValues.length);
 *   const where = compileFilter(filter.where ?? '', params);          // SQL over alias r
 *   const order = compileOrderField(orderBy.field, params);            // { sql, type }
 *   // run/store.ts splices both into its statement over `runs r`:
 *   //   ... WHERE <my conditions> AND ${where} ORDER BY ${order.sql}, with [...myValues, ...params.values]
 *
 * Any problem in user input throws FilterError { message, position } -> INVALID_FILTER.
 */

export {
  COLUMN_NAMES,
  type ColumnName,
  type CompareOp,
  type FieldRef,
  type FilterNode,
  type FilterValue,
  type PredicateNode,
  RUN_STATUSES,
  type RunStatusValue,
} from './ast.ts';
export { type CompiledOrderField, compileOrderField, type OrderSqlType } from './compile-order.ts';
export { compileFilter, compileFilterNode } from './compile-sql.ts';
export {
  type ConfigTypeUse,
  checkConfigTypes,
  configTypeUses,
  type ObservedTypes,
  observeTypesSql,
  pathKey,
} from './config-types.ts';
export { FILTER_LIMITS, FilterError } from './errors.ts';
export { checkMetricKeys, type MetricKeyUse, metricKeyUses } from './metric-keys.ts';
export { parseField, parseFilter } from './parser.ts';
export { SqlParams } from './sql-params.ts';
