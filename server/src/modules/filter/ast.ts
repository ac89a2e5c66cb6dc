/**
 * AST of the run filter language. Produced by parseFilter, consumed by the SQL compiler.
 * Every node keeps `position` (0-based offset of its first character) so type errors found
 * after parsing can still point at the right place.
 */

/** Plain columns of the runs table a filter or sort may name (camelCase, as in the GraphQL API). */
export const COLUMN_NAMES = [
  'id',
  'experimentId',
  'name',
  'status',
  'notes',
  'tags',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
] as const;
export type ColumnName = (typeof COLUMN_NAMES)[number];

/** Values of the "RunStatus" enum (prisma/migrations/..._init). */
export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CRASHED', 'CANCELED'] as const;
export type RunStatusValue = (typeof RUN_STATUSES)[number];

export type FieldRef =
  | { kind: 'column'; column: ColumnName; position: number; text: string }
  /**
   * `config.a.b` -> path ['a', 'b']; segments are always text keys (jsonb #> treats '0' as an array index).
   * `asText` (sort keys only, built by the MLflow translator): the value's text, as MLflow sorts its string params.
   */
  | { kind: 'config'; path: string[]; position: number; text: string; asText?: boolean }
  /** `metrics.k` -> last value; `min(metrics.k)` / `max(metrics.k)` -> the extremes. */
  | { kind: 'metric'; key: string; aggregate: 'last' | 'min' | 'max'; position: number; text: string }
  /**
   * A key-value tag (run_tags: MLflow's run tags). Not in the text grammar, where `tags` is the label array;
   * the MLflow search translator (modules/mlflow/search.ts) builds it for `tags.<key>`.
   */
  | { kind: 'tag'; key: string; position: number; text: string }
  /**
   * A dataset the run used (MLflow's `datasets.name`, `.digest`, `.context`: mlflow_run_inputs). Like `tag`, built
   * only by the MLflow search translator; compared as a string, true when any of the run's inputs matches.
   */
  | { kind: 'dataset'; attribute: 'name' | 'digest' | 'context'; position: number; text: string };

export type FilterValue =
  /** `raw` is the literal as written (minus a leading '+'), kept so numeric comparisons stay exact. */
  | { kind: 'number'; value: number; raw: string; position: number }
  | { kind: 'string'; value: string; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  | { kind: 'null'; position: number }
  /** An unquoted word such as RUNNING; only meaningful for status. */
  | { kind: 'word'; value: string; position: number };

/**
 * LIKE / ILIKE take an SQL pattern as written (% and _ are wildcards). Not in the text grammar, where `~` is
 * "contains"; the MLflow search translator builds them for MLflow's LIKE and ILIKE.
 */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | 'LIKE' | 'ILIKE';

/** `position` is where the field starts; `opPosition` where the operator keyword/symbol starts. */
export type PredicateNode =
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: FilterValue; position: number; opPosition: number }
  | { type: 'between'; field: FieldRef; low: FilterValue; high: FilterValue; position: number; opPosition: number }
  | { type: 'in'; field: FieldRef; values: FilterValue[]; position: number; opPosition: number }
  | { type: 'has'; field: FieldRef; value: FilterValue; position: number; opPosition: number }
  | { type: 'exists'; field: FieldRef; position: number; opPosition: number };

export type FilterNode =
  /** n-ary so long AND/OR chains do not nest (no deep recursion when compiling). */
  | { type: 'and'; children: FilterNode[]; position: number }
  | { type: 'or'; children: FilterNode[]; position: number }
  | { type: 'not'; child: FilterNode; position: number }
  | PredicateNode;
