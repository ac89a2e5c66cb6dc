/**
 * Everything a user can set on an experiment page, as URL parameters, so Back, reload and a shared link
 * all show the same thing. A saved view stores exactly this object (SavedView.state).
 *
 *   where   filter text                          sort   `<field>:<ASC|DESC>`
 *   cols    column ids (`c:<config path>`, `m:<metric key>`), comma separated; absent = defaults
 *   group   config paths to group by, comma separated
 *   archived  `1` to list archived runs too
 *   chart   metric key drawn per group;  band  `minmax` (default) or `std`
 *   panels  the workspace's panels (metric keys), comma separated; absent = workspace closed
 *   view    id of the saved view these settings came from
 *
 * Items inside a list have `%` and `,` escaped so a config key may contain either.
 */

export interface ViewState {
  where: string;
  sort: string;
  cols: string[] | null;
  group: string[];
  archived: boolean;
  chart: string;
  band: 'minmax' | 'std';
  /** Workspace panels (metric keys) in order; null when the workspace is closed. */
  panels: string[] | null;
  view: string;
}

/** The keys that belong to a view (what saveView stores); `view` itself is not part of a view's state. */
export const VIEW_KEYS = ['where', 'sort', 'cols', 'group', 'archived', 'chart', 'band', 'panels'] as const;

const escapeItem = (s: string) => s.replace(/%/g, '%25').replace(/,/g, '%2C');
const unescapeItem = (s: string) => s.replace(/%2C/gi, ',').replace(/%25/g, '%');

export function encodeList(items: readonly string[]): string {
  return items.map(escapeItem).join(',');
}

export function decodeList(text: string | null | undefined): string[] {
  if (!text) return [];
  return text.split(',').filter(Boolean).map(unescapeItem);
}

type Params = Pick<URLSearchParams, 'get'>;

export function readViewState(p: Params): ViewState {
  const cols = p.get('cols');
  const panels = p.get('panels');
  return {
    where: p.get('where') ?? '',
    sort: p.get('sort') ?? '',
    cols: cols === null ? null : decodeList(cols),
    group: decodeList(p.get('group')),
    archived: p.get('archived') === '1',
    chart: p.get('chart') ?? '',
    band: p.get('band') === 'std' ? 'std' : 'minmax',
    panels: panels === null ? null : decodeList(panels),
    view: p.get('view') ?? '',
  };
}

/** Only non-default values, so a plain page has a plain URL. */
export function viewStateParams(s: Partial<ViewState>): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.where) out.where = s.where;
  if (s.sort) out.sort = s.sort;
  if (s.cols) out.cols = encodeList(s.cols);
  if (s.group?.length) out.group = encodeList(s.group);
  if (s.archived) out.archived = '1';
  if (s.chart) out.chart = s.chart;
  if (s.band === 'std') out.band = 'std';
  if (s.panels) out.panels = encodeList(s.panels);
  if (s.view) out.view = s.view;
  return out;
}

/** A saved view's state object -> ViewState (unknown keys and wrong types are ignored). */
export function viewStateFromSaved(state: unknown, viewId: string): ViewState {
  const obj = state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, unknown>) : {};
  const str = (k: string) => (typeof obj[k] === 'string' ? (obj[k] as string) : null);
  const params = new Map<string, string>();
  for (const k of VIEW_KEYS) {
    const v = str(k);
    if (v !== null) params.set(k, v);
  }
  return { ...readViewState({ get: (k) => params.get(k) ?? null }), view: viewId };
}

/** What saveView stores: the URL parameters of the view, without `view`. */
export function savedStateOf(s: ViewState): Record<string, string> {
  const { view: _view, ...params } = viewStateParams(s);
  return params;
}

/** The page URL for a state (query string only, sorted keys for stable links). */
export function viewStateSearch(s: Partial<ViewState>): string {
  const params = viewStateParams(s);
  const q = new URLSearchParams(Object.keys(params).map((k) => [k, params[k]!]));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export interface SortKey {
  field: string;
  direction: 'ASC' | 'DESC';
}

export const DEFAULT_SORT: SortKey[] = [{ field: 'createdAt', direction: 'DESC' }];

/** `field:DESC` (the `sort` parameter) -> the runs query's orderBy; newest first when absent. */
export function parseSort(sort: string): SortKey[] {
  if (!sort) return DEFAULT_SORT;
  const i = sort.lastIndexOf(':');
  const field = i > 0 ? sort.slice(0, i) : sort;
  const dir = i > 0 ? sort.slice(i + 1).toUpperCase() : 'ASC';
  return field ? [{ field, direction: dir === 'DESC' ? 'DESC' : 'ASC' }] : DEFAULT_SORT;
}

/** Runs per page of the experiment table (the server component's prefetch uses the same). */
export const RUNS_PAGE_SIZE = 100;

// The sweep page's parallel-coordinates brushes (`?brush=`), in the same list encoding.

/**
 * Parallel-coordinates brushes in data units, by axis name: `[low, high]` of the parameter (its value; for a
 * category axis, the category's position 0..n-1) or of the metric. Data units, not pixels, so a link
 * selects the same runs at any width, and new runs that fall in the range join the selection.
 */
export type Brushes = Record<string, [number, number]>;

/** 4 significant digits: a brush is drawn by hand, and the URL stays short. */
const num = (v: number) => String(Number(v.toPrecision(4)));

/** `?brush=<axis>:<low>:<high>,...` (list items escaped as in view-state; the axis name may contain `:`). */
export function formatBrushes(b: Brushes): string {
  return encodeList(
    Object.keys(b)
      .sort()
      .map((axis) => `${axis}:${num(b[axis]![0])}:${num(b[axis]![1])}`),
  );
}

export function parseBrushes(text: string | null): Brushes {
  const out: Brushes = {};
  for (const item of decodeList(text)) {
    const parts = item.split(':');
    if (parts.length < 3) continue;
    const hi = Number(parts.pop());
    const lo = Number(parts.pop());
    const axis = parts.join(':');
    if (axis && Number.isFinite(lo) && Number.isFinite(hi)) out[axis] = [Math.min(lo, hi), Math.max(lo, hi)];
  }
  return out;
}
