/**
 * Number-vs-string mistakes in config comparisons.
 *
 * Config values are schemaless JSON and comparisons are strictly typed (compile-sql.ts), so
 * `config.lr < "abc"` is valid SQL that matches nothing. When every run in scope holds a number at
 * `lr`, that empty result is a mistake, not an answer: the caller reports it as a FilterError.
 *
 * Invariants:
 *  - Only a literal that is a number or a string takes part (null/true/false have their own rules).
 *  - A use is wrong only when the path holds values of the OTHER of those two types in scope and
 *    none of the literal's type: mixed paths, absent paths and paths holding only booleans, objects
 *    or null are left alone (the comparison is meaningful or simply matches nothing).
 *  - The error points at the literal, like every other type error of the language.
 */
import type { FilterNode, FilterValue, PredicateNode } from './ast.ts';
import { FilterError } from './errors.ts';
import { configPathArray } from './sql-fields.ts';
import type { SqlParams } from './sql-params.ts';

export type JsonScalarType = 'number' | 'string';

/** A config path compared with a literal of `type`, at `position` in the filter text. */
export interface ConfigTypeUse {
  path: string[];
  field: string;
  type: JsonScalarType;
  position: number;
}

/** Which of the two scalar types the runs in scope hold at a path. */
export interface ObservedTypes {
  number: boolean;
  string: boolean;
}

const literalType = (v: FilterValue): JsonScalarType | null =>
  v.kind === 'number' || v.kind === 'string' ? v.kind : null;

function predicateValues(node: PredicateNode): FilterValue[] {
  switch (node.type) {
    case 'compare':
      return [node.value];
    case 'between':
      return [node.low, node.high];
    case 'in':
      return node.values;
    default:
      return [];
  }
}

/** Every config comparison with a number or string literal, in filter order (iterative: no deep recursion). */
export function configTypeUses(root: FilterNode): ConfigTypeUse[] {
  const out: ConfigTypeUse[] = [];
  const stack: FilterNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'and' || node.type === 'or') stack.push(...[...node.children].reverse());
    else if (node.type === 'not') stack.push(node.child);
    else if (node.field.kind === 'config') {
      for (const v of predicateValues(node)) {
        const type = literalType(v);
        if (type) out.push({ path: node.field.path, field: node.field.text, type, position: v.position });
      }
    }
  }
  return out;
}

/** Stable identity of a path, for grouping uses and reading back observed types. */
export const pathKey = (path: string[]) => JSON.stringify(path);

/**
 * SQL select list (over runs `r`, to be aggregated over the runs in scope) that observes the
 * scalar types at each distinct path: columns `n<i>` / `s<i>` for the i-th entry of `paths`.
 */
export function observeTypesSql(paths: string[][], params: SqlParams): string {
  return paths
    .map((path, i) => {
      const json = `(r.config #> ${configPathArray(path, params)})`;
      return `coalesce(bool_or(jsonb_typeof(${json}) = 'number'), false) AS n${i}, coalesce(bool_or(jsonb_typeof(${json}) = 'string'), false) AS s${i}`;
    })
    .join(', ');
}

/** Throws a FilterError at the first use whose literal type the path never holds while it holds the other. */
export function checkConfigTypes(uses: ConfigTypeUse[], observed: Map<string, ObservedTypes>): void {
  for (const use of uses) {
    const seen = observed.get(pathKey(use.path));
    if (!seen || seen[use.type]) continue;
    const other: JsonScalarType = use.type === 'number' ? 'string' : 'number';
    if (!seen[other]) continue;
    const example = other === 'number' ? `e.g. ${use.field} < 0.01` : `e.g. ${use.field} = "text"`;
    throw new FilterError(
      `Cannot compare ${use.field} with a ${use.type} at position ${use.position}: ${use.field} holds ${other}s in these runs; compare with a ${other} (${example})`,
      use.position,
    );
  }
}
