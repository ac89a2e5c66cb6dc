/**
 * The renderer comparison page (bench/web-renderers.ts at the repository root bundles it with esbuild, outside the dashboard):
 * the same synthetic series drawn by the dashboard's own chart module (MetricChart: SVG paths;
 * CanvasChart: canvas lines under an SVG axis layer) or by recharts 3 (LineChart, one <Line> per run,
 * no animation, no dots, a shared Tooltip). The shape comes in the URL: ?renderer=&charts=&runs=&points=.
 */
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { CanvasChart } from '@/components/charts/canvas-chart';
import type { ChartLine } from '@/components/charts/chart-geometry';
import { MetricChart } from '@/components/charts/metric-chart';
import { colorOfRun } from '@/lib/workspace';

const q = new URLSearchParams(location.search);
const renderer = q.get('renderer') ?? 'svg';
const CHARTS = Number(q.get('charts') ?? 4);
const RUNS = Number(q.get('runs') ?? 100);
const POINTS = Number(q.get('points') ?? 100);
const EPOCHS = Number(q.get('epochs') ?? 1000);

/** Run i's curve for chart c: the shapes of test-kit/src/seed.ts curves(), at POINTS steps over EPOCHS. */
function curve(c: number, i: number): { x: number[]; y: number[] } {
  const speed = 0.002 + (i % 7) * 0.001;
  const x: number[] = [];
  const y: number[] = [];
  for (let p = 0; p < POINTS; p++) {
    const e = Math.round(((p + 1) * EPOCHS) / POINTS) - 1;
    const acc = 0.95 - 0.85 * Math.exp(-speed * e) + 0.01 * Math.sin(e + i);
    x.push(e);
    y.push(c % 2 ? 2.3 * Math.exp(-speed * e) + 0.05 : acc - 0.001 * c);
  }
  return { x, y };
}

const data = Array.from({ length: CHARTS }, (_, c) => Array.from({ length: RUNS }, (_, i) => curve(c, i)));
const ids = Array.from({ length: RUNS }, (_, i) => `run-${i}`);

function Ours({ c }: { c: number }) {
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const lines: ChartLine[] = data[c]!.map((cols, i) => ({
    id: ids[i]!,
    label: ids[i]!,
    color: colorOfRun(ids[i]!),
    cols,
  }));
  return renderer === 'canvas' ? (
    <CanvasChart title={`m${c}`} lines={lines} xMode="step" testId={`chart-${c}`} zoom={zoom} onZoom={setZoom} />
  ) : (
    <MetricChart title={`m${c}`} lines={lines} xMode="step" testId={`chart-${c}`} />
  );
}

function Recharts({ c }: { c: number }) {
  // recharts wants one object per x with a field per line.
  const rows = data[c]![0]!.x.map((step, p) => {
    const row: Record<string, number> = { step };
    for (let i = 0; i < RUNS; i++) row[ids[i]!] = data[c]![i]!.y[p]!;
    return row;
  });
  return (
    <figure className="chart" data-testid={`chart-${c}`}>
      <figcaption>m{c}</figcaption>
      <div style={{ height: 260 }} data-testid={`chart-${c}-plot`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 14, bottom: 22, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} />
            <YAxis domain={['auto', 'auto']} />
            <Tooltip />
            {ids.map((id) => (
              <Line
                key={id}
                dataKey={id}
                stroke={colorOfRun(id)}
                dot={false}
                isAnimationActive={false}
                strokeWidth={1.4}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

performance.mark('bench:render-start');
createRoot(document.getElementById('root')!).render(
  <div className="charts">
    {data.map((_, c) => (renderer === 'recharts' ? <Recharts key={c} c={c} /> : <Ours key={c} c={c} />))}
  </div>,
);
