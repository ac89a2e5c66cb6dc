/**
 * Compiles a filter AST to a parameterised SQL boolean expression over the runs table `r`.
 *
 * Invariant: every compiled predicate is two-valued (never SQL NULL). Otherwise `NOT p` would
 * silently drop rows where p is NULL — e.g. `NOT config.augment = true` must match runs that
 * have no `augment` key at all. Hence the CASE ... ELSE false / COALESCE wrappers below.
 *
 * Config semantics (strict JSON typing: the string "0.001" is not a number):
 *  - `= v` / `< v` ...: the value at the path has v's JSON type and compares true.
 *    Numbers compare as `numeric` (exact, no float8 overflow on huge JSON numbers).
 *  - `!= v`: the path is PRESENT and its value is not equal to v (a value of another JSON
 *    type, including JSON null, counts as not equal). Missing paths do not match; use
 *    `NOT config.x = v` to include them.
 *  - `= null` matches JSON null only (not a missing path); `!= null` = present and not JSON null.
 *  - EXISTS: the path is present (even if its value is JSON null).
 * Metric semantics: a predicate holds when the run has the metric and its latest (or min/max)
 * value satisfies it. NaN values never satisfy a comparison with a number (PostgreSQL would
 * otherwise sort NaN above everything, so `> 1` would match it); `= NaN` / `!= NaN` test for it.
 * Tag semantics (key-value tags in run_tags; only the MLflow translator builds tag fields): a predicate holds
 * when the run has the tag and its value satisfies it (= != ~ IN); EXISTS when it has the tag at all.
 */
import type { CompareOp, FieldRef, FilterNode, FilterValue, PredicateNode } from './ast.ts';
import { FILTER_LIMITS, FilterError } from './errors.ts';
import { parseFilter } from './parser.ts';
import { COLUMNS, configPathArray, containsPattern, METRIC_COLUMNS, metricKeyParam, twoValued } from './sql-fields.ts';
import { type SqlParams, withScratch } from './sql-params.ts';
import { datasetExists, metricSummaryExists, tagExists as runTagExists } from './store.ts';
import { float8Text, numericText, statusValue, timestampValue, typeError, uuidValue } from './values.ts';

type NumberValue = Extract<FilterValue, { kind: 'number' }>;
type PatternOp = '~' | 'LIKE' | 'ILIKE';
const isPattern = (op: CompareOp): op is PatternOp => op === '~' || op === 'LIKE' || op === 'ILIKE';

/** `~` is case-insensitive "contains" (the user's wildcards escaped); LIKE/ILIKE take the pattern as written. */
function patternSql(lhs: string, op: PatternOp, text: string, p: SqlParams): string {
  return op === '~' ? `${lhs} ILIKE ${p.add(containsPattern(text))}::text` : `${lhs} ${op} ${p.add(text)}::text`;
}

const SQL_OP: Record<Exclude<CompareOp, PatternOp>, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function opError(field: FieldRef, op: string, allowed: string, position: number): FilterError {
  return new FilterError(
    `Operator ${op} is not supported for ${field.text} at position ${position}: use ${allowed}`,
    position,
  );
}

/** NaN has no order; only equality tests are meaningful, so reject `< NaN` rather than guess. */
function rejectNaN(field: FieldRef, op: string, v: FilterValue): void {
  if (v.kind === 'number' && Number.isNaN(v.value) && op !== '=' && op !== '!=') {
    throw new FilterError(
      `NaN at position ${v.position} can only be used with = , != or IN (in ${field.text} ${op} NaN)`,
      v.position,
    );
  }
}

// ---------------------------------------------------------------- config.<path>

/** `path` may be passed in so an IN list binds the path segments once, not once per value. */
function configCompare(
  field: Extract<FieldRef, { kind: 'config' }>,
  op: CompareOp,
  v: FilterValue,
  p: SqlParams,
  at: number,
  path = configPathArray(field.path, p),
): string {
  rejectNaN(field, op, v);
  const json = `(r.config #> ${path})`;
  const text = `(r.config #>> ${path})`;
  if (v.kind === 'null' || v.kind === 'boolean') {
    if (op !== '=' && op !== '!=')
      throw opError(field, op, `= or != with ${v.kind === 'null' ? 'null' : 'true/false'}`, at);
    if (v.kind === 'null')
      return op === '=' ? twoValued(`${json} = 'null'::jsonb`) : twoValued(`jsonb_typeof(${json}) <> 'null'`);
    const lit = `${p.add(String(v.value))}::jsonb`;
    return op === '=' ? twoValued(`${json} = ${lit}`) : twoValued(`${json} <> ${lit}`);
  }
  let jsonType: 'number' | 'string';
  let lhs: string;
  let rhs: string;
  if (op === 'LIKE' || op === 'ILIKE') {
    if (v.kind !== 'string') throw typeError(field, v, `a string pattern with ${op}`);
    // The text of strings and numbers (MLflow params may be stored as either; see mlflow/convert.ts).
    return `(CASE WHEN jsonb_typeof(${json}) IN ('string', 'number') THEN ${patternSql(text, op, v.value, p)} ELSE false END)`;
  }
  if (v.kind === 'number') {
    if (op === '~') throw typeError(field, v, 'a string with ~');
    jsonType = 'number';
    lhs = `${json}::numeric`;
    rhs = `${p.add(numericText(v))}::numeric`;
  } else if (v.kind === 'string') {
    jsonType = 'string';
    lhs = text;
    rhs = op === '~' ? `${p.add(containsPattern(v.value))}::text` : `${p.add(v.value)}::text`;
  } else {
    throw typeError(field, v, 'a number, string, true/false or null');
  }
  // CASE (not AND) guarantees the cast only runs on values of the right JSON type.
  if (op === '!=') {
    return `(CASE WHEN ${json} IS NULL THEN false WHEN jsonb_typeof(${json}) = '${jsonType}' THEN ${lhs} <> ${rhs} ELSE true END)`;
  }
  const cmp = op === '~' ? `${lhs} ILIKE ${rhs}` : `${lhs} ${SQL_OP[op]} ${rhs}`;
  return `(CASE WHEN jsonb_typeof(${json}) = '${jsonType}' THEN ${cmp} ELSE false END)`;
}

function configBetween(
  field: Extract<FieldRef, { kind: 'config' }>,
  low: FilterValue,
  high: FilterValue,
  p: SqlParams,
): string {
  const json = `(r.config #> ${configPathArray(field.path, p)})`;
  if (low.kind === 'number' && high.kind === 'number') {
    rejectNaN(field, 'BETWEEN', low);
    rejectNaN(field, 'BETWEEN', high);
    const a = `${p.add(numericText(low))}::numeric`;
    const b = `${p.add(numericText(high))}::numeric`;
    return `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${json}::numeric BETWEEN ${a} AND ${b} ELSE false END)`;
  }
  if (low.kind === 'string' && high.kind === 'string') {
    const a = `${p.add(low.value)}::text`;
    const b = `${p.add(high.value)}::text`;
    return `(CASE WHEN jsonb_typeof(${json}) = 'string' THEN (${json} #>> '{}') BETWEEN ${a} AND ${b} ELSE false END)`;
  }
  const odd = low.kind === 'number' || low.kind === 'string' ? high : low;
  throw typeError(field, odd, 'BETWEEN bounds that are both numbers or both strings');
}

// ---------------------------------------------------------------- metrics

/** `cond` is a callback so the key's placeholder is numbered before the values' (readable SQL). */
function metricExists(field: Extract<FieldRef, { kind: 'metric' }>, p: SqlParams, cond?: () => string): string {
  const key = metricKeyParam(field.key, p);
  const where = cond ? ` AND ${cond()}` : '';
  return metricSummaryExists(key, where);
}

function metricNumber(field: Extract<FieldRef, { kind: 'metric' }>, v: FilterValue, extra: string): NumberValue {
  if (v.kind !== 'number') throw typeError(field, v, `a number (or NaN, Infinity)${extra}`);
  return v;
}

function metricCompare(
  field: Extract<FieldRef, { kind: 'metric' }>,
  op: CompareOp,
  v: FilterValue,
  p: SqlParams,
  at: number,
): string {
  if (isPattern(op)) throw opError(field, op, '= != < <= > >= BETWEEN IN EXISTS', at);
  const n = metricNumber(field, v, v.kind === 'null' ? `; use NOT ${field.text} EXISTS for "never logged"` : '');
  rejectNaN(field, op, n);
  const col = METRIC_COLUMNS[field.aggregate];
  return metricExists(field, p, () => {
    const cond = `${col} ${SQL_OP[op]} ${p.add(float8Text(n))}::float8`;
    return Number.isNaN(n.value) ? cond : `${cond} AND ${col} <> 'NaN'::float8`;
  });
}

// ---------------------------------------------------------------- key-value tags

/** Tags (and dataset inputs) are strings: = and != (the run has the tag with another value), ~ contains, IN, EXISTS. */
function tagCompare(
  field: Extract<FieldRef, { kind: 'tag' | 'dataset' }>,
  op: CompareOp,
  v: FilterValue,
  p: SqlParams,
  at: number,
) {
  if (op !== '=' && op !== '!=' && !isPattern(op)) throw opError(field, op, '=, !=, ~, IN or EXISTS', at);
  if (v.kind !== 'string') throw typeError(field, v, 'a quoted string');
  return tagExists(field, p, (value) =>
    isPattern(op) ? patternSql(value, op, v.value, p) : `${value} ${SQL_OP[op]} ${p.add(v.value)}::text`,
  );
}

function tagExists(
  field: Extract<FieldRef, { kind: 'tag' | 'dataset' }>,
  p: SqlParams,
  cond?: (value: string) => string,
): string {
  if (field.kind === 'dataset') return datasetExists(field.attribute, cond);
  const key = `${p.add(field.key)}::text`;
  const where = cond ? ` AND ${cond('rt.value')}` : '';
  return runTagExists(key, where);
}

// ---------------------------------------------------------------- plain columns

function columnCompare(
  field: Extract<FieldRef, { kind: 'column' }>,
  op: CompareOp,
  v: FilterValue,
  p: SqlParams,
  at: number,
): string {
  const col = COLUMNS[field.column];
  if (col.type === 'text[]') throw opError(field, op, 'HAS, e.g. tags HAS "baseline"', at);
  if (v.kind === 'null') {
    if (op !== '=' && op !== '!=') throw opError(field, op, '= or != with null', at);
    return `(${col.sql} IS ${op === '=' ? '' : 'NOT '}NULL)`;
  }
  const equalityOnly = col.type === 'uuid' || col.type === 'RunStatus';
  if (equalityOnly && op !== '=' && op !== '!=') throw opError(field, op, '=, != or IN', at);
  if (isPattern(op) && col.type !== 'text') throw opError(field, op, '= != < <= > >= BETWEEN IN', at);
  let rhs: string;
  if (col.type === 'uuid') rhs = `${p.add(uuidValue(field, v))}::uuid`;
  else if (col.type === 'RunStatus') rhs = `${p.add(statusValue(field, v))}::"RunStatus"`;
  else if (col.type === 'timestamptz') rhs = `${p.add(timestampValue(field, v))}::timestamptz`;
  else {
    if (v.kind !== 'string') throw typeError(field, v, 'strings');
    if (isPattern(op)) {
      const sql = patternSql(col.sql, op, v.value, p);
      return col.nullable ? twoValued(sql) : `(${sql})`;
    }
    rhs = `${p.add(v.value)}::text`;
  }
  if (isPattern(op)) throw opError(field, op, '= != < <= > >= BETWEEN IN', at);
  const sql = `${col.sql} ${SQL_OP[op]} ${rhs}`;
  return col.nullable ? twoValued(sql) : `(${sql})`;
}

function columnBetween(
  field: Extract<FieldRef, { kind: 'column' }>,
  low: FilterValue,
  high: FilterValue,
  p: SqlParams,
  at: number,
): string {
  const col = COLUMNS[field.column];
  let conv: (v: FilterValue) => string;
  if (col.type === 'timestamptz') conv = (v) => `${p.add(timestampValue(field, v))}::timestamptz`;
  else if (col.type === 'text') {
    conv = (v) => {
      if (v.kind !== 'string') throw typeError(field, v, 'strings');
      return `${p.add(v.value)}::text`;
    };
  } else throw opError(field, 'BETWEEN', col.type === 'text[]' ? 'HAS' : '=, != or IN', at);
  const sql = `${col.sql} BETWEEN ${conv(low)} AND ${conv(high)}`;
  return col.nullable ? twoValued(sql) : `(${sql})`;
}

// ---------------------------------------------------------------- predicates

function compilePredicate(node: PredicateNode, p: SqlParams): string {
  const { field } = node;
  switch (node.type) {
    case 'compare':
      if (field.kind === 'config') return configCompare(field, node.op, node.value, p, node.opPosition);
      if (field.kind === 'metric') return metricCompare(field, node.op, node.value, p, node.opPosition);
      if (field.kind === 'tag' || field.kind === 'dataset')
        return tagCompare(field, node.op, node.value, p, node.opPosition);
      return columnCompare(field, node.op, node.value, p, node.opPosition);
    case 'between':
      if (field.kind === 'config') return configBetween(field, node.low, node.high, p);
      if (field.kind === 'tag' || field.kind === 'dataset')
        throw opError(field, 'BETWEEN', '=, !=, ~, IN or EXISTS', node.opPosition);
      if (field.kind === 'metric') {
        const lo = metricNumber(field, node.low, '');
        const hi = metricNumber(field, node.high, '');
        rejectNaN(field, 'BETWEEN', lo);
        rejectNaN(field, 'BETWEEN', hi);
        const col = METRIC_COLUMNS[field.aggregate];
        return metricExists(
          field,
          p,
          () =>
            `${col} BETWEEN ${p.add(float8Text(lo))}::float8 AND ${p.add(float8Text(hi))}::float8 AND ${col} <> 'NaN'::float8`,
        );
      }
      return columnBetween(field, node.low, node.high, p, node.opPosition);
    case 'in': {
      if (field.kind === 'metric') {
        // One subquery for the whole list; `=` in PostgreSQL matches NaN only to NaN, so no guard is needed.
        const col = METRIC_COLUMNS[field.aggregate];
        const nums = node.values.map((v) => metricNumber(field, v, ''));
        return metricExists(
          field,
          p,
          () => `${col} IN (${nums.map((n) => `${p.add(float8Text(n))}::float8`).join(', ')})`,
        );
      }
      if (field.kind === 'column' && COLUMNS[field.column].type === 'text[]') {
        throw opError(field, 'IN', 'HAS, e.g. tags HAS "baseline"', node.opPosition);
      }
      // Other fields: IN is exactly a disjunction of `=`, with the same typing rules.
      const path = field.kind === 'config' ? configPathArray(field.path, p) : '';
      const parts = node.values.map((v) =>
        field.kind === 'config'
          ? configCompare(field, '=', v, p, node.opPosition, path)
          : field.kind === 'tag' || field.kind === 'dataset'
            ? tagCompare(field, '=', v, p, node.opPosition)
            : columnCompare(field, '=', v, p, node.opPosition),
      );
      return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
    }
    case 'has': {
      if (field.kind !== 'column' || field.column !== 'tags') {
        throw opError(field, 'HAS', 'HAS only with tags (e.g. tags HAS "baseline")', node.opPosition);
      }
      if (node.value.kind !== 'string') throw typeError(field, node.value, 'a quoted tag after HAS');
      return twoValued(`${p.add(node.value.value)}::text = ANY(r.tags)`);
    }
    case 'exists':
      if (field.kind === 'config') return `(r.config #> ${configPathArray(field.path, p)} IS NOT NULL)`;
      if (field.kind === 'tag' || field.kind === 'dataset') return tagExists(field, p);
      // min/max are NULL when every logged value was NaN: then there is no extreme to speak of.
      if (field.kind === 'metric') {
        const agg = field.aggregate;
        return metricExists(field, p, agg === 'last' ? undefined : () => `${METRIC_COLUMNS[agg]} IS NOT NULL`);
      }
      if (field.column === 'tags') throw opError(field, 'EXISTS', 'HAS, e.g. tags HAS "baseline"', node.opPosition);
      return `(${COLUMNS[field.column].sql} IS NOT NULL)`;
  }
}

/** Compiles an already-parsed filter; values are added to `params` only on success. */
export function compileFilterNode(node: FilterNode, params: SqlParams): string {
  return withScratch(params, (p) => compileNode(node, p));
}

function compileNode(node: FilterNode, p: SqlParams): string {
  switch (node.type) {
    case 'and':
      return `(${node.children.map((c) => compileNode(c, p)).join(' AND ')})`;
    case 'or':
      return `(${node.children.map((c) => compileNode(c, p)).join(' OR ')})`;
    case 'not':
      return `(NOT ${compileNode(node.child, p)})`;
    default:
      return compilePredicate(node, p);
  }
}

/**
 * Filter text -> SQL boolean expression over `r` (the runs table). Blank text compiles to
 * `TRUE` so an emptied filter box means "no filter"; parseFilter itself rejects blank input.
 */
export function compileFilter(source: string, params: SqlParams): string {
  if (source.trim() === '' && source.length <= FILTER_LIMITS.maxLength) return 'TRUE';
  return compileFilterNode(parseFilter(source), params);
}
