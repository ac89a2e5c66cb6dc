'use client';

import Link from 'next/link';
import { useMemo } from 'react';
import { niceDomain } from '@/lib/scale';
import type { XAxisMode } from '@/lib/series';
import type { LiveSeries } from '@/lib/use-live-series';
import { yExtent } from '../charts/chart-geometry';
import { panelLines, RUN_GROUPS, RunCharts } from '../run/run-charts';
import type { CompareRun } from './compare-charts';

/**
 * Side-by-side accuracy and loss panels, one per shown run, every panel of a metric group on the same
 * y range so they can be compared at a glance (or, when `sharedY` is off, each on its own). Panels off screen are skipped by the browser's layout
 * and paint (content-visibility), which keeps 100 runs (200 charts) quick.
 */
export function RunPanels({
  runs,
  data,
  xMode,
  smoothing,
  sharedY,
  zoom,
  onZoom,
}: {
  runs: CompareRun[];
  data: LiveSeries;
  xMode: XAxisMode;
  smoothing: number;
  /** One y range per metric group across panels (compare at a glance), or each panel its own (a diverging run does not flatten the rest). */
  sharedY: boolean;
  /** The page's zoom: every panel shows the same x range. */
  zoom: [number, number] | null;
  onZoom: (z: [number, number] | null) => void;
}) {
  const { series } = data;
  const yDomains = useMemo(() => {
    if (!sharedY) return undefined;
    const out: Record<string, [number, number] | null> = {};
    for (const g of RUN_GROUPS) {
      const lines = runs.flatMap((r) => panelLines(series, r.id, g.keys, xMode, smoothing));
      const ext = yExtent(lines, [-Infinity, Infinity], 'linear');
      out[g.id] = ext ? niceDomain(ext[0], ext[1], 4) : null;
    }
    return out;
  }, [runs, series, xMode, smoothing, sharedY]);
  return (
    <div className="panels" data-testid="run-panels" data-panels={runs.length} data-y={sharedY ? 'shared' : 'own'}>
      {runs.map((r) => (
        <div key={r.id} className="panel run-panel" style={{ borderTop: `4px solid ${r.color}` }} data-run-id={r.id}>
          <h2 style={{ margin: '0 0 4px' }}>
            <Link href={`/runs/${r.id}`} prefetch={false}>
              {r.name}
            </Link>
          </h2>
          <RunCharts
            runId={r.id}
            data={data}
            compact
            xMode={xMode}
            smoothing={smoothing}
            yDomains={yDomains}
            zoom={zoom}
            onZoom={onZoom}
          />
        </div>
      ))}
    </div>
  );
}
