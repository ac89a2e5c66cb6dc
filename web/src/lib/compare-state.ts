/**
 * Everything a user can set on the compare page, as URL parameters next to `runs=`, so Back, reload and a
 * shared link all show the same comparison (the experiment page does the same with view-state.ts).
 *
 *   tab     `panels` (default: overlay)          hide    run ids hidden from the charts, comma separated
 *   smooth  EMA weight 0..0.99 (default 0)       x       `relative` or `wall` (default: step)
 *   bands   `0` hides the downsampling band      diff    `all` lists every config key, not only differences
 *   group   config paths to group by             band    `std` draws ±std around a group's mean (default min/max)
 *   logy    metric keys whose chart has a log y axis   zoom  `a,b`: the x range every chart shows (synced)
 *   py      `own`: each per-run panel its own y range (default: shared by all panels)
 *
 * Lists use view-state.ts's encodeList, so a config key may contain `,` or `%`.
 */
// With its extension, and without series.ts: the repository's tests type-check this file under NodeNext.
import { decodeList, encodeList } from './view-state.ts';

/** series.ts's XAxisMode (compare-view passes one to the other, so the two cannot drift apart unnoticed). */
type XAxisMode = 'step' | 'wall' | 'relative';

export interface CompareState {
  tab: 'overlay' | 'panels';
  hidden: string[];
  smoothing: number;
  xMode: XAxisMode;
  bands: boolean;
  differencesOnly: boolean;
  group: string[];
  band: 'minmax' | 'std';
  /** Metric keys whose chart is on a log y axis. */
  logY: string[];
  /** The x range shown by every chart (a drag on any of them), in the x mode's units; null = all. */
  zoom: [number, number] | null;
  /** Per-run panels: one y range per metric group across panels (default) or each panel its own. */
  panelY: 'shared' | 'own';
}

/** The parameters this page owns; any other (`runs` above all) is left exactly as it was written. */
export const COMPARE_KEYS = [
  'tab',
  'hide',
  'smooth',
  'x',
  'bands',
  'diff',
  'group',
  'band',
  'logy',
  'zoom',
  'py',
] as const;

/** `a,b` with finite a < b, else null. */
export function readZoom(text: string | null): [number, number] | null {
  const parts = (text ?? '').split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!)) return null;
  return [parts[0]!, parts[1]!];
}

/** A zoom range as text: 6 significant digits are far below a pixel and keep the URL short. */
export const zoomText = (z: [number, number]) => z.map((v) => String(Number(v.toPrecision(6)))).join(',');

const MAX_SMOOTHING = 0.99;

/** The slider's resolution: more digits would only make longer URLs for the same picture. */
const roundSmoothing = (v: number) => Math.round(Math.min(MAX_SMOOTHING, Math.max(0, v)) * 100) / 100;

function readSmoothing(text: string | null): number {
  const v = Number(text ?? 0);
  return Number.isFinite(v) ? roundSmoothing(v) : 0;
}

export function readCompareState(p: Pick<URLSearchParams, 'get'>): CompareState {
  const x = p.get('x');
  return {
    tab: p.get('tab') === 'panels' ? 'panels' : 'overlay',
    hidden: decodeList(p.get('hide')),
    smoothing: readSmoothing(p.get('smooth')),
    xMode: x === 'relative' || x === 'wall' ? x : 'step',
    bands: p.get('bands') !== '0',
    differencesOnly: p.get('diff') !== 'all',
    group: decodeList(p.get('group')),
    band: p.get('band') === 'std' ? 'std' : 'minmax',
    logY: decodeList(p.get('logy')),
    zoom: readZoom(p.get('zoom')),
    panelY: p.get('py') === 'own' ? 'own' : 'shared',
  };
}

/** Only non-default values, so a plain comparison has a plain URL. */
export function compareStateParams(s: CompareState): [string, string][] {
  const out: [string, string][] = [];
  if (s.tab === 'panels') out.push(['tab', 'panels']);
  if (s.hidden.length) out.push(['hide', encodeList(s.hidden)]);
  const smooth = roundSmoothing(s.smoothing);
  if (smooth > 0) out.push(['smooth', String(smooth)]);
  if (s.xMode !== 'step') out.push(['x', s.xMode]);
  if (!s.bands) out.push(['bands', '0']);
  if (!s.differencesOnly) out.push(['diff', 'all']);
  if (s.group.length) out.push(['group', encodeList(s.group)]);
  if (s.band === 'std') out.push(['band', 'std']);
  if (s.logY.length) out.push(['logy', encodeList(s.logY)]);
  if (s.zoom) out.push(['zoom', zoomText(s.zoom)]);
  if (s.panelY === 'own') out.push(['py', 'own']);
  return out;
}

/** List separators stay readable commas; a comma inside an item is already `%2C` (encoded to `%252C` here). */
const encodeValue = (v: string) => encodeURIComponent(v).replace(/%2C/g, ',');

/**
 * The query string for `s`, given the current one: parameters the page does not own keep their exact
 * text and order (`runs=` stays as the user or the experiment page wrote it), ours follow in a fixed order.
 */
export function compareSearch(current: string, s: CompareState): string {
  const owned = new Set<string>(COMPARE_KEYS);
  const kept = current
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part && !owned.has(part.split('=', 1)[0]!));
  const ours = compareStateParams(s).map(([k, v]) => `${k}=${encodeValue(v)}`);
  const all = [...kept, ...ours];
  return all.length ? `?${all.join('&')}` : '';
}
