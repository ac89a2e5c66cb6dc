'use client';

import { useEffect, useRef, useState } from 'react';

/** Checkbox menu to choose the config and metric columns of the runs table. */
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
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const toggle = (list: string[], item: string) =>
    list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
  return (
    <div className="column-picker" ref={ref}>
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open}>
        Columns ▾
      </button>
      {open && (
        <div className="menu">
          <strong className="small">Config</strong>
          {configPaths.length === 0 && <div className="muted small">No config keys.</div>}
          {configPaths.map((p) => (
            <label key={p}>
              <input
                type="checkbox"
                checked={config.includes(p)}
                onChange={() => onChange({ config: toggle(config, p), metrics })}
              />{' '}
              {p}
            </label>
          ))}
          <strong className="small">Metrics (last and best)</strong>
          {metricKeys.length === 0 && <div className="muted small">No metrics logged.</div>}
          {metricKeys.map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                checked={metrics.includes(k)}
                onChange={() => onChange({ config, metrics: toggle(metrics, k) })}
              />{' '}
              {k}
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
