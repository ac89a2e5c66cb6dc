'use client';

import { useEffect, useRef, useState } from 'react';

/** At most this many matches are listed: with 1,500 metrics, the list is a search, not a scroll. */
const MAX_LISTED = 40;

function Section({
  title,
  items,
  chosen,
  query,
  onToggle,
  testId,
}: {
  title: string;
  items: string[];
  chosen: string[];
  query: string;
  onToggle: (item: string) => void;
  testId: string;
}) {
  const q = query.trim().toLowerCase();
  // Chosen items first (so they can be unticked), then matches of the search.
  const matches = items.filter((i) => !chosen.includes(i) && (!q || i.toLowerCase().includes(q)));
  const shown = [...chosen.filter((i) => items.includes(i)), ...matches.slice(0, MAX_LISTED)];
  return (
    <fieldset data-testid={testId}>
      <legend className="small">
        <strong>{title}</strong> <span className="muted">({items.length})</span>
      </legend>
      {items.length === 0 && <div className="muted small">None.</div>}
      {shown.map((p) => (
        <label key={p}>
          <input type="checkbox" checked={chosen.includes(p)} onChange={() => onToggle(p)} /> {p}
        </label>
      ))}
      {matches.length > MAX_LISTED && (
        <div className="muted small">{matches.length - MAX_LISTED} more: type to narrow the list.</div>
      )}
    </fieldset>
  );
}

/** Menu to choose the config and metric columns of the runs table, with a search over the keys. */
export function ColumnPicker({
  configPaths,
  metricKeys,
  config,
  metrics,
  onChange,
}: {
  configPaths: string[];
  metricKeys: string[];
  config: string[];
  metrics: string[];
  onChange: (next: { config: string[]; metrics: string[] }) => void;
}) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
  const toggle = (list: string[], item: string) =>
    list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
  return (
    <div className="column-picker" ref={ref}>
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="columns-button">
        Columns ▾
      </button>
      {open && (
        <div className="menu">
          <input
            type="search"
            placeholder="Search keys…"
            aria-label="Search config keys and metrics"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="columns-search"
            // biome-ignore lint/a11y/noAutofocus: the menu was opened to search it
            autoFocus
          />
          <Section
            title="Config"
            items={configPaths}
            chosen={config}
            query={query}
            onToggle={(p) => onChange({ config: toggle(config, p), metrics })}
            testId="columns-config"
          />
          <Section
            title="Metrics (last and best)"
            items={metricKeys}
            chosen={metrics}
            query={query}
            onToggle={(k) => onChange({ config, metrics: toggle(metrics, k) })}
            testId="columns-metrics"
          />
        </div>
      )}
    </div>
  );
}
