'use client';

import Link from 'next/link';
import type { CompareRun } from './compare-charts';

/**
 * The runs of the compare view. Clicking an entry hides or shows its lines in every chart; "only" shows
 * that run alone (clicking "only" on the soloed run shows all again); ↗ opens the run's page.
 */
export function RunLegend({
  runs,
  hidden,
  onChange,
}: {
  runs: CompareRun[];
  hidden: ReadonlySet<string>;
  onChange: (hidden: Set<string>) => void;
}) {
  const toggle = (id: string) => {
    const next = new Set(hidden);
    if (!next.delete(id)) next.add(id);
    onChange(next);
  };
  const solo = (id: string) => {
    const soloed = hidden.size === runs.length - 1 && !hidden.has(id);
    onChange(soloed ? new Set() : new Set(runs.filter((r) => r.id !== id).map((r) => r.id)));
  };
  return (
    <div className="run-legend" data-testid="legend" data-hidden-count={hidden.size}>
      {hidden.size > 0 && (
        <button type="button" className="chip" onClick={() => onChange(new Set())} data-testid="legend-show-all">
          show all ({hidden.size} hidden)
        </button>
      )}
      {runs.map((r) => {
        const off = hidden.has(r.id);
        return (
          <span key={r.id} className="legend-entry">
            <button
              type="button"
              className="legend-item"
              aria-pressed={!off}
              title={off ? 'Show this run' : 'Hide this run'}
              data-testid="legend-item"
              data-run-id={r.id}
              data-hidden={off ? 'true' : 'false'}
              onClick={() => toggle(r.id)}
            >
              <span className="swatch" style={{ background: r.color }} />
              {r.name}
            </button>
            <button
              type="button"
              className="solo"
              title="Show only this run"
              data-testid="legend-solo"
              onClick={() => solo(r.id)}
            >
              only
            </button>
            {/* prefetch off: a hundred legend links would each prefetch a run page. */}
            <Link
              className="open"
              href={`/runs/${r.id}`}
              prefetch={false}
              title="Open the run"
              aria-label={`Open ${r.name}`}
            >
              ↗
            </Link>
          </span>
        );
      })}
    </div>
  );
}
