import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { SeriesExtras } from './series.ts';

/** Names of the fields a selection set asks for, through fragments (directives ignored: kept as asked). */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, out: Map<string, SelectionSetNode[]>) {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) {
      const list = out.get(sel.name.value) ?? [];
      if (sel.selectionSet) list.push(sel.selectionSet);
      out.set(sel.name.value, list);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(sel.selectionSet, info, out);
    else fieldsOf(info.fragments[sel.name.value]?.selectionSet, info, out);
  }
  return out;
}

/**
 * Which of MetricSeries' optional columns the query selects, so metricSeries builds only those: `points`
 * needs every column; `columns { min max }` the extremes; `columns { wallTime }` the wall times.
 */
export function seriesExtrasOf(info: GraphQLResolveInfo): SeriesExtras {
  const top = new Map<string, SelectionSetNode[]>();
  for (const node of info.fieldNodes) fieldsOf(node.selectionSet, info, top);
  if (top.has('points')) return { extremes: true, wallTime: true };
  const cols = new Map<string, SelectionSetNode[]>();
  for (const set of top.get('columns') ?? []) fieldsOf(set, info, cols);
  return { extremes: cols.has('min') || cols.has('max'), wallTime: cols.has('wallTime') };
}
