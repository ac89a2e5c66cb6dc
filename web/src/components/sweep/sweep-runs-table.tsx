import Link from 'next/link';
import type { SweepDetailQuery } from '@/gql/graphql';
import { formatJsonValue, timeAgo } from '@/lib/format';
import { formatNumber } from '@/lib/metric-value';
import { StatusBadge } from '../status-badge';

type Sweep = NonNullable<SweepDetailQuery['sweep']>;

/** Reads a dotted path out of a config (how sweep parameters address nested fields). */
const valueAt = (config: unknown, path: string) =>
  path
    .split('.')
    .reduce<unknown>(
      (node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined),
      config,
    );

/** The sweep's runs in launch order: status (live), each swept value and the run's best metric value. */
export function SweepRunsTable({
  sweep,
  statusOf,
  only,
}: {
  sweep: Sweep;
  statusOf: (runId: string, fallback: string) => string;
  /** Show only these runs (the parallel-coordinates brush); null shows all. */
  only?: Set<string> | null;
}) {
  const params = sweep.parameters.map((p) => p.name);
  const metricOf = new Map(sweep.parameters[0]?.points.map((p) => [p.runId, p.metric]) ?? []);
  const bestId = sweep.bestRun?.id;
  return (
    <div className="table-scroll">
      <table className="grid" data-testid="sweep-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            {params.map((p) => (
              <th key={p} className="num">
                {p}
              </th>
            ))}
            <th className="num">
              {sweep.summary === 'LAST' ? 'last' : sweep.goal === 'MINIMIZE' ? 'min' : 'max'} {sweep.metric}
            </th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {(only ? sweep.runs.filter((r) => only.has(r.id)) : sweep.runs).map((r) => (
            <tr
              key={r.id}
              data-testid="sweep-run-row"
              data-run-id={r.id}
              className={r.id === bestId ? 'selected' : undefined}
            >
              <td>
                <Link href={`/runs/${r.id}`}>{r.name}</Link>
                {r.id === bestId && (
                  <span className="best-mark" title="best so far">
                    {' '}
                    ★
                  </span>
                )}
              </td>
              <td>
                <StatusBadge status={statusOf(r.id, r.status)} />
              </td>
              {params.map((p) => (
                <td key={p} className="num">
                  {formatJsonValue(valueAt(r.config, p))}
                </td>
              ))}
              <td className="num">{formatNumber(metricOf.get(r.id))}</td>
              <td title={r.startedAt ?? ''}>{timeAgo(r.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
