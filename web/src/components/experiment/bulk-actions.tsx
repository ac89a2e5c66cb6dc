'use client';

import { useState } from 'react';
import { useMutation } from 'urql';
import { DeleteRunsDocument, UpdateRunsDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { useCan } from '../session';

const splitTags = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * Tag, untag, archive, unarchive or delete the selected runs in one request each (the server applies
 * a bulk change to all of them or to none). Delete asks for a second click instead of a modal dialog,
 * so it stays keyboard- and test-friendly.
 */
export function BulkActions({
  ids,
  showingArchived,
  onDone,
}: {
  ids: string[];
  showingArchived: boolean;
  onDone: (what: 'updated' | 'deleted') => void;
}) {
  const [tagText, setTagText] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [updateState, updateRuns] = useMutation(UpdateRunsDocument);
  const [deleteState, deleteRuns] = useMutation(DeleteRunsDocument);
  const busy = updateState.fetching || deleteState.fetching;
  const problem = describeError(updateState.error ?? deleteState.error);
  const n = ids.length;
  // updateRuns needs LOG, deleteRuns ADMIN: offer only what the session may do.
  const canUpdate = useCan('LOG');
  const canDelete = useCan('ADMIN');

  const update = async (input: { addTags?: string[]; removeTags?: string[]; archived?: boolean }) => {
    const r = await updateRuns({ ids, input });
    if (!r.error) {
      setTagText('');
      onDone('updated');
    }
  };
  const remove = async () => {
    const r = await deleteRuns({ ids });
    setConfirming(false);
    if (!r.error) onDone('deleted');
  };
  const tags = splitTags(tagText);
  if (!canUpdate && !canDelete) return null;
  return (
    <section className="toolbar bulk-actions" data-testid="bulk-actions" aria-label="Selected runs">
      <strong>{n} selected</strong>
      {canUpdate && (
        <>
          <input
            type="text"
            value={tagText}
            onChange={(e) => setTagText(e.target.value)}
            placeholder="tag, tag…"
            aria-label="Tags to add or remove"
            data-testid="bulk-tags"
            onKeyDown={(e) => e.key === 'Enter' && tags.length && void update({ addTags: tags })}
          />
          <button
            type="button"
            disabled={busy || !tags.length}
            onClick={() => update({ addTags: tags })}
            data-testid="bulk-tag"
          >
            Add tags
          </button>
          <button
            type="button"
            disabled={busy || !tags.length}
            onClick={() => update({ removeTags: tags })}
            data-testid="bulk-untag"
          >
            Remove tags
          </button>
          <button type="button" disabled={busy} onClick={() => update({ archived: true })} data-testid="bulk-archive">
            Archive
          </button>
          {showingArchived && (
            <button
              type="button"
              disabled={busy}
              onClick={() => update({ archived: false })}
              data-testid="bulk-unarchive"
            >
              Unarchive
            </button>
          )}
        </>
      )}
      {!canDelete ? null : confirming ? (
        <>
          <button type="button" className="danger" disabled={busy} onClick={remove} data-testid="bulk-delete-confirm">
            Delete {n} run{n === 1 ? '' : 's'} for good
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => setConfirming(true)}
          data-testid="bulk-delete"
        >
          Delete…
        </button>
      )}
      {problem && (
        <span className="field-error" role="alert">
          {problem.message}
        </span>
      )}
    </section>
  );
}
