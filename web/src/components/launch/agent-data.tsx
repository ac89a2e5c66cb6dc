'use client';

import { LaunchAgentsDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';

interface AgentData {
  dataRoots?: string[];
  datasets?: { name: string; cached: boolean }[];
  folders?: string[];
}

/**
 * What each online agent runs (its entry points) and where a launch's data can come from: each online agent's data roots, the named data sets it can
 * fetch (and whether they are cached there already) and the folders under its roots holding train/.
 * Paths in a config are resolved on the agent that claims the run, not on this machine.
 */
export function AgentDataPanel() {
  const [{ data }] = useQuery({ query: LaunchAgentsDocument, requestPolicy: 'cache-and-network' });
  const online = (data?.agents ?? []).filter((a) => a.online);
  return (
    <div className="panel" data-testid="agent-data">
      <h2>Agents: programs and data</h2>
      {online.length === 0 ? (
        <p className="muted">No agent is online: a launch waits in the queue until one starts.</p>
      ) : (
        online.map((a) => {
          const info = (a.info ?? {}) as AgentData;
          return (
            <div key={a.id} data-testid="agent-data-row" data-agent={a.name}>
              <strong>{a.name}</strong>
              <div className="small">
                entry points:{' '}
                <span data-testid="agent-entry-points">
                  {a.entryPoints
                    .map((e) => (e.builtin ? `${e.name} (built-in)` : `${e.name}: ${e.command.join(' ')}`))
                    .join(', ')}
                </span>
                <br />
                data roots: {(info.dataRoots ?? []).join(', ') || '—'}
                <br />
                data sets:{' '}
                {(info.datasets ?? [])
                  .map((d) => `${d.name}${d.cached ? ' (cached)' : ' (fetched on first use)'}`)
                  .join(', ') || '—'}
                <br />
                folders with train/: {(info.folders ?? []).join(', ') || '—'}
              </div>
            </div>
          );
        })
      )}
    </div>
  );
}
