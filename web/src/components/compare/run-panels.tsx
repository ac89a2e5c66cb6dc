'use client';

import Link from 'next/link';
import { useState } from 'react';
import type { LiveSeries } from '@/lib/use-live-series';
import { RunCharts } from '../run/run-charts';
import type { CompareRun } from './compare-charts';

const FIRST = 12;

/** Side-by-side accuracy and loss panels per run (12 at first: 100 runs would be 200 charts). */
export function RunPanels({ runs, data }: { runs: CompareRun[]; data: LiveSeries }) {
  const [all, setAll] = useState(false);
  const shown = all ? runs : runs.slice(0, FIRST);
  return (
    <>
      <div className="panels" data-testid="run-panels">
        {shown.map((r) => (
          <div key={r.id} className="panel" style={{ borderTop: `4px solid ${r.color}` }}>
            <h2 style={{ margin: '0 0 4px' }}>
              <Link href={`/runs/${r.id}`}>{r.name}</Link>
            </h2>
            <RunCharts runId={r.id} data={data} compact />
          </div>
        ))}
      </div>
      {!all && runs.length > FIRST && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {runs.length} runs
        </button>
      )}
    </>
  );
}
