/**
 * The experiment workspace's pure parts: which section a metric's panel goes in, the panels shown when
 * the user picked none, how many points per run a panel asks the server for, and a run's colour (the
 * same in the runs table and in every panel, whichever runs the filter leaves).
 */

/** Section of a metric key: the part before the first `/` (`system/`), `val_` for validation metrics, else ''. */
export function sectionOf(key: string): string {
  const slash = key.indexOf('/');
  if (slash > 0) return key.slice(0, slash + 1);
  return key.startsWith('val_') ? 'val_' : '';
}

export interface Section {
  /** '' for metrics without a prefix */
  prefix: string;
  keys: string[];
}

/** Panels grouped by section, in the order first met; unprefixed metrics first (the training curves). */
export function sectionsOf(keys: readonly string[]): Section[] {
  const by = new Map<string, string[]>();
  for (const k of keys) {
    const p = sectionOf(k);
    const list = by.get(p);
    if (list) list.push(k);
    else by.set(p, [k]);
  }
  return [...by.entries()]
    .sort((a, b) => (a[0] === '' ? -1 : b[0] === '' ? 1 : 0))
    .map(([prefix, list]) => ({ prefix, keys: list }));
}

/** Up to `n` panels when none are chosen: the table's metric columns first, then other keys (system/* last). */
export function defaultPanels(preferred: readonly string[], keys: readonly string[], n = 4): string[] {
  const out: string[] = [];
  const add = (k: string) => out.length < n && !out.includes(k) && out.push(k);
  for (const k of preferred) if (keys.includes(k)) add(k);
  for (const k of keys) if (!k.startsWith('system/')) add(k);
  for (const k of keys) add(k);
  return out;
}

/**
 * Points per run and panel: about 60,000 per panel in all, so 1,000 runs get 60 points each (the server
 * keeps every bucket's last point and min/max) and a handful of runs get one point per pixel; and the
 * whole request within metricSeries' 1,000,000 points (runs x keys x maxPoints), with room to spare.
 */
export const POINTS_PER_PANEL = 60_000;
/**
 * The width the points are chosen for: panels are at most ~800 px wide (two columns on a wide screen). Not
 * the measured width: a first guess then the real width would load every series twice, and the server
 * prefetches before any width is known.
 */
export const WORKSPACE_WIDTH_PX = 800;
export const POINTS_PER_REQUEST = 900_000;
export function workspacePoints(runs: number, panels: number, widthPx: number): number {
  const n = Math.max(1, runs);
  return Math.max(
    2,
    Math.min(
      Math.max(20, Math.min(Math.round(widthPx), Math.floor(POINTS_PER_PANEL / n))),
      Math.floor(POINTS_PER_REQUEST / (n * Math.max(1, panels))),
    ),
  );
}

/** FNV-1a of a string: a stable number per run id. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A run's colour from its id: stable across filters, pages and reloads, so the table's swatch and the
 * workspace's line agree. Hue from the hash; two lightness levels that read on light and dark backgrounds.
 */
export function colorOfRun(id: string): string {
  const h = hash(id);
  return `hsl(${h % 360}, 70%, ${(h >> 9) % 2 ? 45 : 55}%)`;
}
