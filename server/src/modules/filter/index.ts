/**
 * Runboard's run filter language and sort-key compiler.
 *
 *   const params = new SqlParams(myValues.length);
 *   const where = compileFilter(filter.where ?? '', params);          // SQL over alias r
 *   const order = compileOrderField(orderBy.field, params);            // { sql, type }
 *   await pool.query(`SELECT ... FROM runs r WHERE ... AND ${where} ORDER BY ${order.sql} ...`,
 *                    [...myValues, ...params.values]);
 *
 * Any problem in user input throws FilterError { message, position } -> INVALID_FILTER.
 */
export { FilterError, FILTER_LIMITS } from './errors.js';
export { SqlParams } from './sql-params.js';
export { parseFilter, parseField } from './parser.js';
export { compileFilter, compileFilterNode } from './compile-sql.js';
export { compileOrderField, type CompiledOrderField, type OrderSqlType } from './compile-order.js';
export {
  COLUMN_NAMES,
  RUN_STATUSES,
  type ColumnName,
  type CompareOp,
  type FieldRef,
  type FilterNode,
  type FilterValue,
  type PredicateNode,
  type RunStatusValue,
} from './ast.js';
