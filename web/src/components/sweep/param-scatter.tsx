'use client';

import { formatJsonValue } from '@/lib/format';
import { formatNumber } from '@/lib/metric-value';
import { linearTicks, logDomain, logTicks, makeScale, niceDomain, tickLabel } from '@/lib/scale';
import { encode, type ParamAxis, type SweepRow } from '@/lib/sweep-analysis';
import '../charts/charts.css';
import { MARGIN as M } from '../charts/axes';
import { useWidth } from '../charts/use-width';

const HEIGHT = 240;

/**
 * One swept parameter against the sweep metric, a dot per run that logged it. Numeric parameters get a
 * numeric axis (log when they span a decade or more, as learning rates do); anything else is a category.
 * The best run's dot is green; runs outside the parallel-coordinates brush fade. Each dot links to its run.
 */
export function ParamScatter({
  axis,
  rows,
  metric,
  bestRunId,
  selected,
}: {
  axis: ParamAxis;
  rows: SweepRow[];
  metric: string;
  bestRunId: string | null;
  selected: Set<string> | null;
}) {
  const [box, measured] = useWidth<HTMLDivElement>();
  const width = measured ?? 0;
  const dots = rows.filter((r) => Number.isFinite(r.metric));
  const waiting = rows.length - dots.length;
  const w = Math.max(10, width - M.left - M.right);
  const h = HEIGHT - M.top - M.bottom;

  let xOf: (r: SweepRow) => number;
  let xTicks: { x: number; label: string }[];
  if (axis.kind === 'category') {
    const n = axis.categories.length;
    const at = (k: number) => ((k + 0.5) / n) * w;
    xOf = (r) => at(encode(axis, r.values[axis.name]));
    xTicks = axis.categories.map((c, k) => ({ x: at(k), label: c }));
  } else {
    const log = axis.kind === 'log';
    const dom = log ? logDomain(axis.min, axis.max) : niceDomain(axis.min, axis.max, 5);
    const sx = makeScale(log ? 'log' : 'linear', dom, [0, w]);
    xOf = (r) => sx.map(r.values[axis.name] as number);
    xTicks = (log ? logTicks(dom[0], dom[1]) : linearTicks(dom[0], dom[1], Math.max(2, Math.floor(w / 80)))).map(
      (t) => ({ x: sx.map(t), label: tickLabel(t) }),
    );
  }
  const ms = dots.map((d) => d.metric);
  const yd = ms.length ? niceDomain(Math.min(...ms), Math.max(...ms), 4) : ([0, 1] as [number, number]);
  const sy = makeScale('linear', yd, [h, 0]);
  const yTicks = linearTicks(yd[0], yd[1], 4);

  return (
    <figure className="chart" data-testid={`scatter-${axis.name}`} data-points={dots.length} data-x-scale={axis.kind}>
      <figcaption>
        {axis.name} vs {metric}
        {waiting > 0 && (
          <span className="muted small">
            {' '}
            · {waiting} run{waiting > 1 ? 's' : ''} without {metric} yet
          </span>
        )}
      </figcaption>
      {dots.length === 0 ? (
        <div className="chart-empty" style={{ height: HEIGHT }}>
          No run has logged {metric} yet.
        </div>
      ) : (
        <div ref={box} className="chart-box" style={{ height: HEIGHT }}>
          {width > 0 && (
            <svg width={width} height={HEIGHT} role="img" aria-label={`${axis.name} against ${metric}`}>
              <g transform={`translate(${M.left},${M.top})`}>
                <g stroke="var(--chart-grid)" strokeDasharray="3 3">
                  {yTicks.map((t) => (
                    <line key={t} x1={0} x2={w} y1={sy.map(t)} y2={sy.map(t)} />
                  ))}
                </g>
                <g fontSize={11} fill="currentColor" textAnchor="end" className="y-ticks">
                  {yTicks.map((t) => (
                    <text key={t} x={-6} y={sy.map(t)} dy="0.32em">
                      {tickLabel(t)}
                    </text>
                  ))}
                </g>
                <g fontSize={11} fill="currentColor" textAnchor="middle" className="x-ticks">
                  {xTicks.map((t) => (
                    <text key={`${t.label}-${t.x}`} x={t.x} y={h + 14}>
                      {t.label}
                    </text>
                  ))}
                </g>
                <text x={w / 2} y={h + 30} fontSize={12} textAnchor="middle" fill="currentColor">
                  {axis.name}
                  {axis.kind === 'log' ? ' (log scale)' : ''}
                </text>
                {dots.map((d) => {
                  const best = d.runId === bestRunId;
                  const faded = selected !== null && !selected.has(d.runId);
                  return (
                    <a key={d.runId} href={`/runs/${d.runId}`} aria-label={`Open ${d.name}`}>
                      <circle
                        cx={xOf(d)}
                        cy={sy.map(d.metric)}
                        r={best ? 6 : 4.5}
                        fill={best ? '#16a34a' : '#2563eb'}
                        fillOpacity={faded ? 0.12 : 0.8}
                        data-run-id={d.runId}
                      >
                        <title>
                          {d.name}: {axis.name} {formatJsonValue(d.values[axis.name])}, {metric}{' '}
                          {formatNumber(d.metric)}
                        </title>
                      </circle>
                    </a>
                  );
                })}
              </g>
            </svg>
          )}
        </div>
      )}
    </figure>
  );
}
