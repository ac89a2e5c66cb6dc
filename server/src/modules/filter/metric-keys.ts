/**
 * Unknown metric keys in filters.
 *
 * A metric predicate holds only when the run logged the key, so `metrics.nonexistent > 1` is valid SQL
 * that matches nothing. When no run in scope ever logged the key, that empty result is a typo, not an
 * answer: the caller reports it as a FilterError, as config comparisons of the wrong type are
 * (config-types.ts).
 *
 * Invariants:
 *  - `metrics.k EXISTS` (and NOT ... EXISTS) is left alone: asking whether a key was logged is an answer
 *    either way.
 *  - Nothing is reported when the scope holds no runs (an empty experiment matches nothing, correctly).
 *  - The error points at the first unknown field, in filter order.
 */
import type { FilterNode } from './ast.ts';
import { FilterError } from './errors.ts';

/** A metric field compared with a value, at `position` in the filter text. */
export interface MetricKeyUse {
  key: string;
  field: string;
  position: number;
}

/** Every metric field used in a comparison, in filter order (iterative: no deep recursion). */
export function metricKeyUses(root: FilterNode): MetricKeyUse[] {
  const out: MetricKeyUse[] = [];
  const stack: FilterNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'and' || node.type === 'or') stack.push(...[...node.children].reverse());
    else if (node.type === 'not') stack.push(node.child);
    else if (node.field.kind === 'metric' && node.type !== 'exists') {
      out.push({ key: node.field.key, field: node.field.text, position: node.field.position });
    }
  }
  return out;
}

/** Throws a FilterError at the first use whose key no run in scope logged. */
export function checkMetricKeys(uses: MetricKeyUse[], logged: ReadonlySet<string>): void {
  const unknown = uses.find((u) => !logged.has(u.key));
  if (!unknown) return;
  throw new FilterError(
    `Unknown metric key "${unknown.key}" in ${unknown.field} at position ${unknown.position}: no run in these runs logged it`,
    unknown.position,
  );
}
