'use client';

import { useMemo, useState } from 'react';
import { toChartCols, type XAxisMode } from '@/lib/series';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';
import { type ChartLine, MetricChart } from '../charts/metric-chart';

const TRAIN = '#1f77b4';
const VAL = '#ff7f0e';

/** Groups: accuracy (acc, val_acc), loss (loss, val_loss), then one chart per other metric. */
function groups(keys: string[]): { title: string; keys: string[]; id: string }[] {
  const out = [
    { id: 'accuracy', title: 'Accuracy (acc, val_acc)', keys: ['acc', 'val_acc'] },
    { id: 'loss', title: 'Loss (loss, val_loss)', keys: ['loss', 'val_loss'] },
  ];
  const used = new Set(out.flatMap((g) => g.keys));
  for (const k of keys) if (!used.has(k)) out.push({ id: k, title: k, keys: [k] });
  return out;
}

export function RunCharts({ runId, data, compact = false }: { runId: string; data: LiveSeries; compact?: boolean }) {
  const [xMode, setXMode] = useState<XAxisMode>('step');
  const charts = useMemo(() => {
    const gs = compact ? groups([]) : groups(data.keys);
    return gs.map((g) => ({
      ...g,
      lines: g.keys.map<ChartLine>((k, i) => {
        const s = data.series.get(seriesKey(runId, k));
        return {
          id: k,
          label: k,
          color: i === 0 ? TRAIN : VAL,
          dashed: k.startsWith('val_'),
          cols: s ? toChartCols(s, xMode, 0, s.downsampled) : { x: [], y: [] },
          band: s?.downsampled,
        };
      }),
    }));
    // data.version changes whenever points were merged into the (mutable) series map.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data.version, data.keys.join(','), runId, xMode, compact]);
  return (
    <>
      {!compact && (
        <div className="controls">
          <label>
            x-axis
            <select value={xMode} onChange={(e) => setXMode(e.target.value as XAxisMode)}>
              <option value="step">step</option>
              <option value="relative">time since start</option>
              <option value="wall">wall time</option>
            </select>
          </label>
        </div>
      )}
      <div className={compact ? 'charts charts-compact' : 'charts'}>
        {charts.map((c) => (
          <MetricChart
            key={c.id}
            title={c.title}
            lines={c.lines}
            xMode={xMode}
            legend
            height={compact ? 180 : 260}
            testId={`chart-${c.id}`}
          />
        ))}
      </div>
    </>
  );
}
