/**
 * Field references: turns a lexed path token (`config.a.b`, `metrics.k`, `createdAt`) into a
 * FieldRef. Shared by filters and sort keys so both accept exactly the same field grammar.
 */
import { COLUMN_NAMES, type ColumnName, type FieldRef } from './ast.ts';
import { FilterError } from './errors.ts';
import type { Token } from './lexer.ts';

export const FIELDS_HINT = `config.<path>, metrics.<key>, min(metrics.<key>), max(metrics.<key>) or one of ${COLUMN_NAMES.join(', ')}`;

/** camelCase names case-insensitively, plus the snake_case column names people copy from SQL. */
const COLUMN_LOOKUP = new Map<string, ColumnName>();
for (const c of COLUMN_NAMES) {
  COLUMN_LOOKUP.set(c.toLowerCase(), c);
  COLUMN_LOOKUP.set(
    c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`),
    c,
  );
}

export function resolveField(source: string, t: Extract<Token, { kind: 'path' }>): FieldRef {
  const [root, ...rest] = t.segments;
  const text = source.slice(t.position, t.end);
  const rootName = root!.text.toLowerCase();
  if (rootName === 'config') {
    if (rest.length === 0) {
      throw new FilterError(
        `"config" at position ${t.position} needs a path, e.g. config.lr or config.optimizer.name`,
        t.position,
      );
    }
    return { kind: 'config', path: rest.map((s) => s.text), position: t.position, text };
  }
  if (rootName === 'metrics') {
    if (rest.length === 0) {
      throw new FilterError(`"metrics" at position ${t.position} needs a key, e.g. metrics.val_loss`, t.position);
    }
    if (rest.length > 1) {
      // Metric keys are flat; a dot is part of the key and must be quoted to avoid ambiguity with paths.
      const key = rest.map((s) => s.text).join('.');
      throw new FilterError(
        `Metric key ${JSON.stringify(key)} at position ${rest[0]!.position} contains dots: quote it, e.g. metrics.${JSON.stringify(key)}`,
        rest[0]!.position,
      );
    }
    const key = rest[0]!;
    if (key.text === '') throw new FilterError(`Empty metric key at position ${key.position}`, key.position);
    return { kind: 'metric', key: key.text, aggregate: 'last', position: t.position, text };
  }
  const column = COLUMN_LOOKUP.get(rootName);
  if (column) {
    if (rest.length > 0) {
      throw new FilterError(`Field "${column}" at position ${t.position} has no sub-fields`, rest[0]!.position - 1);
    }
    return { kind: 'column', column, position: t.position, text };
  }
  throw new FilterError(
    `Unknown field ${JSON.stringify(text)} at position ${t.position}: expected ${FIELDS_HINT}`,
    t.position,
  );
}
