import { createHash } from 'node:crypto';
import { isUuid } from '@runboard/contract/ids';
import type pg from 'pg';
import { badInput, ErrorCode, userError } from '../../core/errors.ts';
import { checkPageSize } from '../../core/validate.ts';
import {
  checkConfigTypes,
  checkMetricKeys,
  compileFilterNode,
  compileOrderField,
  configTypeUses,
  type FieldRef,
  FilterError,
  type FilterNode,
  metricKeyUses,
  type ObservedTypes,
  observeTypesSql,
  parseFilter,
  pathKey,
  SqlParams,
} from '../filter/index.ts';
import {
  countRuns,
  type ExperimentScope,
  experimentInScope,
  experimentNamed,
  loggedMetricKeys,
  type RunRow,
  type RunStatus,
  type SortKey,
  selectOverRuns,
  selectRunPage,
} from './store.ts';

export interface RunListArgs {
  /** The caller's experiments (an API key's limits); runs of other experiments are never listed. */
  experimentScope?: ExperimentScope;
  experimentId?: string | null;
  experimentName?: string | null;
  status?: RunStatus[] | null;
  tags?: string[] | null;
  /** false (the default): only runs not archived; true: only archived runs; null: both. */
  archived?: boolean | null;
  where?: string | null;
  /**
   * An already-built filter (the MLflow search translator's), ANDed with `where`. It skips the config type
   * check (a number compared with a string): MLflow params are strings, and the translator matches both forms.
   */
  whereNode?: FilterNode | null;
  /** Runs of any of these experiments (MLflow's experiment_ids); malformed ids match nothing. */
  experimentIds?: string[] | null;
  /** Largest page `first` may ask for (default LIMITS.pageSize; MLflow's search allows 50,000). */
  maxFirst?: number;
  /** Fields in the filter grammar, or (the MLflow translator's sort keys) already-built field references. */
  orderBy?: { field: string | FieldRef; direction?: 'ASC' | 'DESC' | null }[] | null;
  first?: number | null;
  after?: string | null;
}

export interface RunPage {
  edges: { cursor: string; node: RunRow }[];
  nodes: RunRow[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

function filterError(err: unknown): never {
  if (err instanceof FilterError) {
    throw userError(ErrorCode.INVALID_FILTER, err.message, { position: err.position });
  }
  throw err;
}

const MAX_ORDER_KEYS = 10;

/**
 * The order a cursor was made under. A cursor carries it, so one from another orderBy with as many keys (whose
 * values would parse but mean other columns) is refused rather than silently starting a page somewhere else.
 */
function orderSignature(orderBy: readonly { field: string | FieldRef; direction?: string | null }[]): string {
  // A FieldRef (the MLflow translator's tags.<key> / params.<key>) is spelled as its JSON: kind, key or path, asText.
  const spelled = JSON.stringify(orderBy.map((o) => [o.field, o.direction === 'DESC' ? 'DESC' : 'ASC']));
  return createHash('sha256').update(spelled).digest('base64url').slice(0, 12);
}

const encodeCursor = (signature: string, values: (string | null)[]) =>
  Buffer.from(JSON.stringify([signature, ...values])).toString('base64url');

function decodeCursor(cursor: string, signature: string, length: number): (string | null)[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed[0] === signature) {
      const values = parsed.slice(1);
      if (values.length === length && values.every((v) => v === null || typeof v === 'string')) {
        return values as (string | null)[];
      }
    }
  } catch {}
  throw badInput('after', 'is not a cursor of this query (cursors are only valid with the same orderBy)');
}

/**
 * Rejects `config.lr < "abc"` when the runs in scope (the conditions besides the filter) hold only
 * numbers at lr, and the converse; see filter/config-types.ts. One aggregate query, only when the
 * filter compares config paths with numbers or strings.
 */
async function checkTypesInScope(db: pg.Pool, node: FilterNode, scope: string[], scopeValues: unknown[]) {
  const uses = configTypeUses(node);
  if (!uses.length) return;
  const paths = [...new Map(uses.map((u) => [pathKey(u.path), u.path])).values()];
  const params = new SqlParams(scopeValues.length);
  const select = observeTypesSql(paths, params);
  const row = await selectOverRuns(db, select, scope, [...scopeValues, ...params.values]);
  const observed = new Map<string, ObservedTypes>(
    paths.map((p, i) => [pathKey(p), { number: row[`n${i}`]!, string: row[`s${i}`]! }]),
  );
  checkConfigTypes(uses, observed);
}

/** Rejects `metrics.typo > 1` when no run in scope logged `typo`; see filter/metric-keys.ts. */
async function checkMetricKeysInScope(db: pg.Pool, node: FilterNode, scope: string[], scopeValues: unknown[]) {
  const uses = metricKeyUses(node);
  if (!uses.length) return;
  const logged = await loggedMetricKeys(db, [...new Set(uses.map((u) => u.key))], scope, scopeValues);
  if (logged) checkMetricKeys(uses, logged);
}

/**
 * Keyset pagination over arbitrary sort keys. Each requested key becomes two: "is null" (so nulls
 * sort last in either direction) and the value itself; the run id breaks ties. A cursor holds the last
 * row's key values as text, and the next page starts strictly after that tuple.
 */
export async function listRuns(db: pg.Pool, args: RunListArgs): Promise<RunPage> {
  const first = checkPageSize(args.first, 50, args.maxFirst);
  const params = new SqlParams();
  const where: string[] = [];
  if (args.experimentId != null) {
    if (!isUuid(args.experimentId)) where.push('false');
    else where.push(`r.experiment_id = ${params.add(args.experimentId)}::uuid`);
  }
  if (args.experimentName != null) {
    where.push(experimentNamed(params.add(args.experimentName)));
  }
  if (args.experimentIds != null) {
    where.push(`r.experiment_id = ANY(${params.add(args.experimentIds.filter(isUuid))}::uuid[])`);
  }
  if (args.experimentScope) where.push(experimentInScope(params.add(args.experimentScope)));
  if (args.status?.length) where.push(`r.status::text = ANY(${params.add(args.status)}::text[])`);
  if (args.tags?.length) where.push(`r.tags @> ${params.add(args.tags)}::text[]`);
  const archived = args.archived === undefined ? false : args.archived;
  if (archived !== null) where.push(archived ? 'r.archived' : 'NOT r.archived');
  if (args.where?.trim() || args.whereNode) {
    try {
      const parsed = args.where?.trim() ? [parseFilter(args.where)] : [];
      const all = [...parsed, ...(args.whereNode ? [args.whereNode] : [])];
      const node: FilterNode = all.length === 1 ? all[0]! : { type: 'and', children: all, position: 0 };
      const scope = [...where];
      const scopeValues = [...params.values];
      const compiled = compileFilterNode(node, params); // its own type errors come first
      // Only typed text filters: the MLflow translator compares params with both spellings on purpose, and
      // MLflow's search answers an unknown metric with no runs.
      if (parsed[0]) {
        await checkTypesInScope(db, parsed[0], scope, scopeValues);
        await checkMetricKeysInScope(db, parsed[0], scope, scopeValues);
      }
      where.push(`(${compiled})`);
    } catch (err) {
      filterError(err);
    }
  }
  const filterConditions = [...where];
  const filterParams = [...params.values];

  const keys: SortKey[] = [];
  const orderBy = args.orderBy?.length ? args.orderBy : [{ field: 'createdAt', direction: 'DESC' as const }];
  // Each key becomes two sort expressions and a cursor column; PostgreSQL caps a select list at 1664.
  if (orderBy.length > MAX_ORDER_KEYS) throw badInput('orderBy', `at most ${MAX_ORDER_KEYS} sort keys`);
  for (const o of orderBy) {
    let compiled: { sql: string; type: string };
    try {
      compiled = compileOrderField(o.field, params);
    } catch (err) {
      filterError(err);
    }
    keys.push({ sql: `((${compiled.sql}) IS NULL)`, type: 'boolean', desc: false });
    keys.push({
      sql: `(${compiled.sql})`,
      type: compiled.type === 'RunStatus' ? '"RunStatus"' : compiled.type,
      desc: o.direction === 'DESC',
    });
  }
  keys.push({ sql: 'r.id', type: 'uuid', desc: false });

  const signature = orderSignature(orderBy);
  const after = args.after ? decodeCursor(args.after, signature, keys.length) : null;
  let rows: (RunRow & Record<string, unknown>)[];
  try {
    rows = await selectRunPage(db, { conditions: where, keys, after, limit: first + 1 }, params);
  } catch (err) {
    // Class 22 (data exception): a forged cursor value that does not cast to its key's type (bad text,
    // date out of range, NUL...), or a filter constant PostgreSQL cannot represent.
    if (String((err as { code?: string }).code).startsWith('22')) {
      if (args.after) throw badInput('after', 'is not a cursor of this query');
      throw userError(ErrorCode.INVALID_FILTER, `A filter value is out of range: ${(err as Error).message}`, {
        position: 0,
      });
    }
    throw err;
  }
  const page = rows.slice(0, first);
  const edges = page.map((row) => {
    const values = keys.map((_, i) => (row[`_k${i}`] as string | null) ?? null);
    for (let i = 0; i < keys.length; i++) delete row[`_k${i}`];
    return { cursor: encodeCursor(signature, values), node: row as RunRow };
  });
  let total: Promise<number> | undefined;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: () => (total ??= countRuns(db, filterConditions, filterParams)),
  };
}
