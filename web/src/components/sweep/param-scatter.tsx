'use client';

import { useRouter } from 'next/navigation';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { SweepDetailQuery } from '@/gql/graphql';
import { formatJsonValue } from '@/lib/format';
import { formatNumber, toNumber } from '@/lib/metric-value';

type Parameter = NonNullable<SweepDetailQuery['sweep']>['parameters'][number];
/** Padded numeric domain, and ticks at the swept values when there are few (a GRID's lists). */
function numericAxis(xs: number[], log: boolean): { domain: [number, number]; ticks?: number[] } {
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const lo = distinct[0] ?? 0;
  const hi = distinct.at(-1) ?? 1;
  if (log) return { domain: [lo / 1.5, hi * 1.5], ticks: distinct.length <= 8 ? distinct : undefined };
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.abs(lo) * 0.1 || 1;
  // Non-negative parameters (rates, sizes) never get a negative axis.
  return {
    domain: [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad],
    ticks: distinct.length <= 8 ? distinct : undefined,
  };
}

const tick = (v: number | string) => (typeof v === 'number' ? String(Number(v.toPrecision(3))) : String(v));

interface Dot {
  x: number | string;
  y: number;
  runId: string;
  run: string;
}

/**
 * One swept parameter against the sweep metric, a dot per run that logged it. Numeric parameters get a
 * numeric axis (log scale when positive and spanning two decades or more, as learning rates do); any
 * other value (strings, booleans, lists) is a category. The best run's dot is drawn apart.
 */
export function ParamScatter({
  param,
  metric,
  bestRunId,
  runNames,
}: {
  param: Parameter;
  metric: string;
  bestRunId: string | null;
  runNames: Map<string, string>;
}) {
  const router = useRouter();
  const numeric = param.points.every((p) => typeof p.value === 'number');
  const dots: Dot[] = [];
  for (const p of param.points) {
    const y = p.metric === null ? NaN : toNumber(p.metric);
    if (!Number.isFinite(y)) continue;
    dots.push({
      x: numeric ? (p.value as number) : formatJsonValue(p.value),
      y,
      runId: p.runId,
      run: runNames.get(p.runId) ?? p.runId,
    });
  }
  // The axis spans every run's value, not only those with a metric yet, so it does not jump as runs log.
  const xs = param.points.map((p) => p.value).filter((x): x is number => typeof x === 'number');
  const log = numeric && xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  const axis = numeric ? numericAxis(xs, log) : null;
  const waiting = param.points.length - dots.length;
  const best = dots.filter((d) => d.runId === bestRunId);
  const rest = dots.filter((d) => d.runId !== bestRunId);
  const open = (d: unknown) => {
    const id = (d as { payload?: Dot } | undefined)?.payload?.runId;
    if (id) router.push(`/runs/${id}`);
  };
  return (
    <figure className="chart" data-testid={`scatter-${param.name}`} data-points={dots.length}>
      <figcaption>
        {param.name} vs {metric}
        {waiting > 0 && (
          <span className="muted small">
            {' '}
            · {waiting} run{waiting > 1 ? 's' : ''} without {metric} yet
          </span>
        )}
      </figcaption>
      {dots.length === 0 ? (
        <div className="chart-empty" style={{ height: 240 }}>
          No run has logged {metric} yet.
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type={numeric ? 'number' : 'category'}
              scale={log ? 'log' : 'auto'}
              domain={axis?.domain}
              ticks={axis?.ticks}
              allowDuplicatedCategory={false}
              tickFormatter={tick}
              name={param.name}
              label={{ value: param.name, position: 'insideBottom', offset: -8, fontSize: 12 }}
            />
            <YAxis
              dataKey="y"
              type="number"
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => formatNumber(v)}
              name={metric}
              width={64}
            />
            <ZAxis range={[60, 60]} />
            <Tooltip
              cursor={{ strokeDasharray: '3 3' }}
              content={({ payload }) => {
                const d = payload?.[0]?.payload as Dot | undefined;
                if (!d) return null;
                return (
                  <div className="tooltip">
                    <strong>{d.run}</strong>
                    <div>
                      {param.name}: {typeof d.x === 'number' ? formatNumber(d.x) : d.x}
                    </div>
                    <div>
                      {metric}: {formatNumber(d.y)}
                    </div>
                  </div>
                );
              }}
            />
            <Scatter
              name="runs"
              data={rest}
              fill="#2563eb"
              fillOpacity={0.75}
              onClick={open}
              cursor="pointer"
              isAnimationActive={false}
            />
            <Scatter
              name="best"
              data={best}
              fill="#16a34a"
              shape="star"
              onClick={open}
              cursor="pointer"
              isAnimationActive={false}
            />
          </ScatterChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
