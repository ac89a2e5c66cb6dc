/**
 * SQL for the things a field can denote, shared by the filter and sort-key compilers.
 * All SQL is written against the runs table aliased `r`.
 */
import type { ColumnName } from './ast.ts';
import type { SqlParams } from './sql-params.ts';

export type ColumnType = 'text' | 'uuid' | 'timestamptz' | 'RunStatus' | 'text[]';

export const COLUMNS: Record<ColumnName, { sql: string; type: ColumnType; nullable: boolean }> = {
  id: { sql: 'r.id', type: 'uuid', nullable: false },
  experimentId: { sql: 'r.experiment_id', type: 'uuid', nullable: false },
  name: { sql: 'r.name', type: 'text', nullable: false },
  status: { sql: 'r.status', type: 'RunStatus', nullable: false },
  notes: { sql: 'r.notes', type: 'text', nullable: false },
  // tags has a default but no NOT NULL constraint in the migration.
  tags: { sql: 'r.tags', type: 'text[]', nullable: true },
  createdAt: { sql: 'r.created_at', type: 'timestamptz', nullable: false },
  updatedAt: { sql: 'r.updated_at', type: 'timestamptz', nullable: false },
  startedAt: { sql: 'r.started_at', type: 'timestamptz', nullable: true },
  finishedAt: { sql: 'r.finished_at', type: 'timestamptz', nullable: true },
};

export const METRIC_COLUMNS = { last: 'ml.last_value', min: 'ml.min_value', max: 'ml.max_value' } as const;

/**
 * `ARRAY[$1::text, $2::text]` rather than one text[] parameter: keeps every bound value a plain
 * string (no driver-specific array serialisation) while path segments stay fully parameterised.
 */
export function configPathArray(path: string[], params: SqlParams): string {
  return `ARRAY[${path.map((seg) => `${params.add(seg)}::text`).join(', ')}]`;
}

/** `$n::text` placeholder for a metric key. */
export function metricKeyParam(key: string, params: SqlParams): string {
  return `${params.add(key)}::text`;
}

/** Wraps a predicate that may yield SQL NULL so that NOT/OR behave two-valued (NULL -> false). */
export function twoValued(sql: string): string {
  return `COALESCE(${sql}, false)`;
}

/** Pattern for `~`: case-insensitive substring, with LIKE wildcards in the user's text escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
