'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateExperimentDocument, ExperimentsDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { timeAgo } from '@/lib/format';
import { QueueSummary } from './agents/queue-summary';
import { Loading, Notice } from './notice';
import { useApi } from './providers';
import { useCan } from './session';
import { StatusBadge } from './status-badge';
import { useLiveExperiments } from './use-live-experiments';

/** Name (and optional description) of a new experiment; opens it once created. */
function CreateExperiment() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [{ fetching, error }, create] = useMutation(CreateExperimentDocument);
  const problem = describeError(error);
  if (!open)
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)} data-testid="new-experiment">
        New experiment
      </button>
    );
  return (
    <form
      className="toolbar panel"
      data-testid="create-experiment"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await create({ input: { name: name.trim(), description: description.trim() } });
        if (r.data) router.push(`/experiments/${r.data.createExperiment.id}`);
      }}
    >
      <input
        type="text"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="Name"
        aria-label="Experiment name"
        data-testid="new-experiment-name"
        // biome-ignore lint/a11y/noAutofocus: the user asked for a new experiment
        autoFocus
      />
      <input
        type="text"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        placeholder="Description (optional)"
        aria-label="Experiment description"
      />
      <button type="submit" className="primary" disabled={!name.trim() || fetching} data-testid="new-experiment-create">
        Create
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {problem && (
        <span className="field-error" role="alert">
          {problem.message}
        </span>
      )}
    </form>
  );
}

export function ExperimentsList() {
  // Offered only what the session's scopes allow (createExperiment needs LOG); the API checks again.
  const canCreate = useCan('LOG');
  const { apiUrl } = useApi();
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ExperimentsDocument,
    variables: { search: debounced || null, first: 500 },
  });
  const problem = describeError(error, apiUrl);
  // Most recently active first: those are the ones whose runs are changing.
  const liveIds = useMemo(
    () =>
      [...(data?.experiments ?? [])]
        .sort((a, b) => (b.lastActivityAt ?? b.createdAt).localeCompare(a.lastActivityAt ?? a.createdAt))
        .map((e) => e.id),
    [data],
  );
  const reread = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  const live = useLiveExperiments(liveIds, reread);

  return (
    <section>
      {live}
      <div className="page-head">
        <h1>Experiments</h1>
        <QueueSummary />
        <input
          type="search"
          className="search"
          placeholder="Search name, description or tag…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          aria-label="Search experiments"
        />
        {canCreate && <CreateExperiment />}
      </div>
      {problem && (
        <Notice
          title="Could not load experiments"
          problem={problem}
          onRetry={() => refetch({ requestPolicy: 'network-only' })}
        />
      )}
      {!data && fetching && <Loading what="experiments" />}
      {data && data.experiments.length === 0 && (
        <Notice kind="info" title={debounced ? `No experiment matches “${debounced}”.` : 'No experiments yet.'}>
          {!debounced && <p>Runs logged by a trainer (or created on the Launch page) create their experiment.</p>}
        </Notice>
      )}
      {data && data.experiments.length > 0 && (
        <div className="table-scroll">
          <table className="grid" data-testid="experiments-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Runs</th>
                <th>By status</th>
                <th>Last activity</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {data.experiments.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link href={`/experiments/${e.id}`}>{e.name}</Link>
                    {e.description && <div className="muted small">{e.description}</div>}
                  </td>
                  <td className="num">{e.runCount}</td>
                  <td>
                    {e.runCounts.map((c) => (
                      <span key={c.status} className="count-chip">
                        <StatusBadge status={c.status} /> {c.count}
                      </span>
                    ))}
                  </td>
                  <td title={e.lastActivityAt ?? ''}>{timeAgo(e.lastActivityAt)}</td>
                  <td>
                    {e.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
