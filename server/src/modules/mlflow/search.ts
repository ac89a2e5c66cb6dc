/**
 * MLflow's run search compiled by Runboard's filter compiler: each clause of the MLflow filter becomes a node
 * of the compiler's AST (modules/filter/ast.ts), never SQL of its own. Mapping:
 *   metrics.k <op> n          -> metrics.k (latest value) <op> n
 *   params.k = 'v'            -> config.k = "v", or = v when "v" is stored as a number (see convert.paramValue)
 *   tags.k = 'v'              -> the key-value tag k (run_tags); tags.mlflow.runName -> the run's name
 *   attributes.status         -> status, MLflow names mapped (RUNNING also matches CRASHED: convert.ts)
 *   attributes.run_name/run_id/start_time/end_time/created/user_id -> name/id/startedAt/finishedAt/createdAt/tag
 *   datasets.name/digest/context -> any of the run's dataset inputs (log-inputs) with that name/digest/context
 */
import type { CompareOp, FieldRef, FilterNode, FilterValue, PredicateNode } from '../filter/index.ts';
import {
  MLFLOW_STATUSES,
  type MlflowStatus,
  paramValue,
  RUN_NAME_TAG,
  RUNBOARD_STATUSES,
  USER_TAG,
} from './convert.ts';
import { invalid } from './errors.ts';
import { type Clause, type Literal, parseMlflowFilter } from './search-syntax.ts';

const str = (value: string, position: number): FilterValue => ({ kind: 'string', value, position });

type Ref = FieldRef extends infer F ? (F extends FieldRef ? Omit<F, 'position' | 'text'> : never) : never;

function field(c: Clause, ref: Ref): FieldRef {
  return { ...ref, position: c.position, text: `${c.entity}.${c.key}` } as FieldRef;
}

function onlyString(c: Clause, v: Literal): string {
  if (v.kind !== 'string') throw invalid(`${c.entity}s.${c.key}: compare with a quoted string, e.g. '${v.raw}'`);
  return v.value;
}

function pred(c: Clause, f: FieldRef, op: CompareOp, value: FilterValue): PredicateNode {
  return { type: 'compare', field: f, op, value, position: c.position, opPosition: c.position };
}

const and = (children: FilterNode[]): FilterNode =>
  children.length === 1 ? children[0]! : { type: 'and', children, position: 0 };
const or = (children: FilterNode[]): FilterNode =>
  children.length === 1 ? children[0]! : { type: 'or', children, position: 0 };
const not = (child: FilterNode): FilterNode => ({ type: 'not', child, position: 0 });

/** =, !=, LIKE, ILIKE, IN, NOT IN, IS [NOT] NULL over a string-valued field, via `equals(text)` and `exists`. */
function stringClause(
  c: Clause,
  equals: (text: string, op: '=' | '!=' | 'LIKE' | 'ILIKE') => FilterNode,
  exists: () => FilterNode,
): FilterNode {
  switch (c.comparator) {
    case '=':
    case '!=':
      return equals(onlyString(c, c.values[0]!), c.comparator);
    case 'LIKE':
    case 'ILIKE':
      return equals(onlyString(c, c.values[0]!), c.comparator);
    case 'IN':
      return or(c.values.map((v) => equals(onlyString(c, v), '=')));
    case 'NOT IN':
      return and([exists(), not(or(c.values.map((v) => equals(onlyString(c, v), '='))))]);
    case 'IS NULL':
      return not(exists());
    case 'IS NOT NULL':
      return exists();
    default:
      throw invalid(`${c.entity}s.${c.key}: ${c.comparator} is not supported; use =, !=, LIKE, ILIKE, IN`);
  }
}

function metricClause(c: Clause): FilterNode {
  const f = field(c, { kind: 'metric', key: c.key, aggregate: 'last' });
  if (c.comparator === 'IS NULL')
    return not({ type: 'exists', field: f, position: c.position, opPosition: c.position });
  if (c.comparator === 'IS NOT NULL') return { type: 'exists', field: f, position: c.position, opPosition: c.position };
  if (!['=', '!=', '<', '<=', '>', '>='].includes(c.comparator))
    throw invalid(`metrics.${c.key}: ${c.comparator} is not supported; use =, !=, <, <=, >, >=`);
  const v = c.values[0]!;
  if (v.kind !== 'number') throw invalid(`metrics.${c.key}: compare with a number, not '${v.value}'`);
  return pred(c, f, c.comparator as '=', { kind: 'number', value: v.value, raw: v.raw, position: c.position });
}

function paramClause(c: Clause): FilterNode {
  const f = field(c, { kind: 'config', path: [c.key] });
  return stringClause(
    c,
    (text, op) => {
      const asString = pred(c, f, op, str(text, c.position));
      const stored = paramValue(text);
      // LIKE matches the text of strings and numbers alike (compile-sql.ts).
      if (op === 'LIKE' || op === 'ILIKE' || typeof stored === 'string') return asString;
      const asNumber = pred(c, f, op, { kind: 'number', value: stored, raw: text, position: c.position });
      // `!=` must differ from both spellings; `=` may match either.
      return op === '!=' ? and([asString, asNumber]) : or([asString, asNumber]);
    },
    () => ({ type: 'exists', field: f, position: c.position, opPosition: c.position }),
  );
}

function tagClause(c: Clause, key: string): FilterNode {
  if (key === RUN_NAME_TAG) return nameClause(c);
  const f = field(c, { kind: 'tag', key });
  return stringClause(
    c,
    (text, op) => pred(c, f, op, str(text, c.position)),
    () => ({ type: 'exists', field: f, position: c.position, opPosition: c.position }),
  );
}

/** `datasets.name`, `datasets.digest`, `datasets.context` (the input's mlflow.data.context tag): any input matching. */
function datasetClause(c: Clause): FilterNode {
  const attribute = c.key;
  if (attribute !== 'name' && attribute !== 'digest' && attribute !== 'context')
    throw invalid(`Invalid dataset attribute '${c.key}': use datasets.name, datasets.digest or datasets.context`);
  const f = field(c, { kind: 'dataset', attribute });
  return stringClause(
    c,
    (text, op) => pred(c, f, op, str(text, c.position)),
    () => ({ type: 'exists', field: f, position: c.position, opPosition: c.position }),
  );
}

function nameClause(c: Clause): FilterNode {
  const f = field(c, { kind: 'column', column: 'name' });
  return stringClause(
    c,
    (text, op) => pred(c, f, op, str(text, c.position)),
    () => ({ type: 'exists', field: f, position: c.position, opPosition: c.position }),
  );
}

function statusClause(c: Clause): FilterNode {
  const f = field(c, { kind: 'column', column: 'status' });
  const statuses = (text: string) => {
    const s = text.toUpperCase() as MlflowStatus;
    if (!MLFLOW_STATUSES.includes(s))
      throw invalid(`attributes.status: '${text}' is not one of ${MLFLOW_STATUSES.join(', ')}`);
    return RUNBOARD_STATUSES[s];
  };
  const matches = (texts: string[]): FilterNode => ({
    type: 'in',
    field: f,
    values: texts.flatMap(statuses).map((s) => str(s, c.position)),
    position: c.position,
    opPosition: c.position,
  });
  const texts = c.values.map((v) => onlyString(c, v));
  if (c.comparator === '=' || c.comparator === 'IN') return matches(texts);
  if (c.comparator === '!=' || c.comparator === 'NOT IN') return not(matches(texts));
  throw invalid(`attributes.status: ${c.comparator} is not supported; use =, !=, IN, NOT IN`);
}

const TIME_COLUMNS = {
  start_time: 'startedAt',
  end_time: 'finishedAt',
  created: 'createdAt',
  creation_time: 'createdAt',
} as const;

function timeClause(c: Clause, column: (typeof TIME_COLUMNS)[keyof typeof TIME_COLUMNS]): FilterNode {
  const f = field(c, { kind: 'column', column });
  if (!['=', '!=', '<', '<=', '>', '>='].includes(c.comparator))
    throw invalid(`attributes.${c.key}: ${c.comparator} is not supported; compare with milliseconds since the epoch`);
  const v = c.values[0]!;
  const date = v.kind === 'number' ? new Date(v.value) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw invalid(`attributes.${c.key}: compare with milliseconds since the epoch`);
  return pred(c, f, c.comparator as '=', str(date.toISOString(), c.position));
}

function attributeClause(c: Clause): FilterNode {
  const key = c.key;
  if (key === 'status') return statusClause(c);
  if (key === 'run_name') return nameClause(c);
  if (key === 'user_id') return tagClause(c, USER_TAG);
  if (key === 'run_id') {
    const f = field(c, { kind: 'column', column: 'id' });
    return stringClause(
      c,
      (text, op) => {
        if (op === 'LIKE' || op === 'ILIKE') throw invalid('attributes.run_id: use =, !=, IN or NOT IN');
        return pred(c, f, op, str(text, c.position));
      },
      () => ({ type: 'exists', field: f, position: c.position, opPosition: c.position }),
    );
  }
  if (key in TIME_COLUMNS) return timeClause(c, TIME_COLUMNS[key as keyof typeof TIME_COLUMNS]);
  throw invalid(
    `Invalid attribute key '${key}': use status, run_name, run_id, user_id, start_time, end_time or created`,
  );
}

/** The MLflow filter as one AST node (null for an empty filter). Throws INVALID_PARAMETER_VALUE. */
export function mlflowFilterNode(filter: string | undefined): FilterNode | null {
  if (!filter?.trim()) return null;
  const clauses = parseMlflowFilter(filter);
  if (!clauses.length) return null;
  return and(
    clauses.map((c) => {
      if (c.entity === 'metric') return metricClause(c);
      if (c.entity === 'param') return paramClause(c);
      if (c.entity === 'tag') return tagClause(c, c.key);
      if (c.entity === 'dataset') return datasetClause(c);
      return attributeClause(c);
    }),
  );
}

const ORDER_ATTRIBUTES: Record<string, string> = {
  start_time: 'startedAt',
  end_time: 'finishedAt',
  run_name: 'name',
  status: 'status',
  created: 'createdAt',
  creation_time: 'createdAt',
};

/**
 * MLflow's order_by ("metrics.acc DESC", "params.lr", "tags.team ASC", "attributes.start_time") as listRuns sort
 * keys. As in MLflow's SQL store: params and tags sort on their string value (so '0.01' < '1e-4'), metrics on the
 * latest value, runs without the key last in either direction.
 */
export function mlflowOrder(orderBy: string[]): { field: string | FieldRef; direction: 'ASC' | 'DESC' }[] {
  if (orderBy.length > 10) throw invalid('order_by: at most 10 keys');
  const keys = orderBy.map((text) => {
    const m = /^\s*(.+?)(?:\s+(asc|desc))?\s*$/i.exec(text);
    if (!m) throw invalid(`Invalid order_by clause '${text}'`);
    const direction = (m[2]?.toUpperCase() ?? 'ASC') as 'ASC' | 'DESC';
    const [clause] = parseMlflowFilter(`${m[1]} IS NULL`);
    if (!clause) throw invalid(`Invalid order_by clause '${text}'`);
    const at = { position: 0, text: `${clause.entity}s.${clause.key}` };
    if (clause.entity === 'metric') return { field: `metrics.${JSON.stringify(clause.key)}`, direction };
    if (clause.entity === 'param')
      return { field: { kind: 'config', path: [clause.key], asText: true, ...at } as FieldRef, direction };
    if (clause.entity === 'tag' && clause.key === RUN_NAME_TAG) return { field: 'name', direction };
    if (clause.entity === 'tag') return { field: { kind: 'tag', key: clause.key, ...at } as FieldRef, direction };
    const attribute = clause.entity === 'attribute' ? ORDER_ATTRIBUTES[clause.key] : undefined;
    if (!attribute)
      throw invalid(
        `Invalid order_by clause '${text}': sort on metrics.<key>, params.<key>, tags.<key> or attributes ${Object.keys(ORDER_ATTRIBUTES).join(', ')}`,
      );
    return { field: attribute, direction };
  });
  // MLflow's tie-break (and its default order): start_time DESC, then run id.
  return [...keys, { field: 'startedAt', direction: 'DESC' }];
}
