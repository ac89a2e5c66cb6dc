'use client';

import { formatNumber } from '@/lib/metric-value';
import { type LiveSeries, seriesKey } from '@/lib/use-live-series';

const LABELS: Record<string, string> = {
  'system/cpu_percent': 'CPU %',
  'system/rss_mb': 'Memory (RSS, MB)',
  'system/gpu_util': 'GPU utilisation %',
  'system/gpu_mem_mb': 'GPU memory (MB)',
};

/**
 * The run's `system/*` series (CPU, memory, GPU as the trainer samples them every few seconds): the latest
 * value and the range each. Their curves are the run's charts above (one chart module, each series drawn
 * once). Nothing when the trainer logged none.
 */
export function SystemMetrics({ runId, data }: { runId: string; data: LiveSeries }) {
  const keys = data.keys.filter((k) => k.startsWith('system/'));
  if (!keys.length) return null;
  return (
    <div data-testid="system-metrics">
      <h2>System</h2>
      <table className="grid">
        <tbody>
          {keys.map((k) => {
            const s = data.series.get(seriesKey(runId, k));
            const values = s?.value ?? [];
            const finite = values.filter(Number.isFinite);
            return (
              <tr key={k} data-testid="system-metric" data-key={k}>
                <th scope="row">{LABELS[k] ?? k.slice('system/'.length)}</th>
                <td className="num" data-testid="system-latest">
                  {formatNumber(values.at(-1))}
                </td>
                <td className="num muted small">
                  {finite.length ? `${formatNumber(Math.min(...finite))} – ${formatNumber(Math.max(...finite))}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
