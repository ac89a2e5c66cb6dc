import type { RunDetailQuery } from '@/gql/graphql';
import { apiOrigin } from '@/lib/api-url';
import { flatten, formatBytes, formatDate, formatJsonValue } from '@/lib/format';

type Run = NonNullable<RunDetailQuery['run']>;

export function KeyValues({ obj, testId }: { obj: unknown; testId?: string }) {
  const flat = flatten(obj);
  const entries = Object.entries(flat);
  if (!entries.length) return <p className="muted">Empty.</p>;
  return (
    <dl className="kv" data-testid={testId}>
      {entries.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{formatJsonValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function RunTimes({ run }: { run: Run }) {
  return (
    <dl className="kv">
      <dt>created</dt>
      <dd>{formatDate(run.createdAt)}</dd>
      <dt>started</dt>
      <dd>{formatDate(run.startedAt)}</dd>
      <dt>finished</dt>
      <dd>{formatDate(run.finishedAt)}</dd>
      <dt>last heartbeat</dt>
      <dd>{formatDate(run.lastHeartbeatAt)}</dd>
      {run.exitCode !== null && (
        <>
          <dt>exit code</dt>
          <dd>{run.exitCode}</dd>
        </>
      )}
    </dl>
  );
}

export function Artifacts({ run, apiUrl }: { run: Run; apiUrl: string }) {
  if (!run.artifacts.length) return <p className="muted">No artifacts recorded.</p>;
  const origin = apiOrigin(apiUrl);
  return (
    <table className="grid" data-testid="artifacts">
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th className="num">Size</th>
          <th>Location</th>
        </tr>
      </thead>
      <tbody>
        {run.artifacts.map((a) => (
          <tr key={a.id}>
            <td>
              {a.downloadPath ? (
                <a href={`${origin}${a.downloadPath}`} download>
                  {a.name}
                </a>
              ) : (
                a.name
              )}
            </td>
            <td>{a.kind}</td>
            <td className="num">{formatBytes(a.size)}</td>
            <td className="small" title={a.sha256}>
              {a.uri}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
