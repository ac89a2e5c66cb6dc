'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from 'urql';
import { DeleteExperimentDocument, RenameExperimentDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { useCan } from '../session';

/**
 * Rename (inline form) and delete (second click confirms) for the experiment page's header, each offered only to
 * a session whose scopes allow it (updateExperiment: LOG, deleteExperiment: ADMIN).
 */
export function ExperimentActions({
  id,
  name,
  runCount,
  onRenamed,
}: {
  id: string;
  name: string;
  runCount: number;
  onRenamed: () => void;
}) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name);
  const [confirming, setConfirming] = useState(false);
  const [renameState, rename] = useMutation(RenameExperimentDocument);
  const [deleteState, remove] = useMutation(DeleteExperimentDocument);
  const problem = describeError(renameState.error ?? deleteState.error);
  const canRename = useCan('LOG');
  const canDelete = useCan('ADMIN');

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await rename({ id, input: { name: text.trim() } });
    if (!r.error) {
      setEditing(false);
      onRenamed();
    }
  };
  const doDelete = async () => {
    const r = await remove({ id });
    if (!r.error) router.push('/');
  };
  if (!canRename && !canDelete) return null;
  return (
    <div className="toolbar" data-testid="experiment-actions">
      {!canRename ? null : editing ? (
        <form onSubmit={submit} className="toolbar" style={{ margin: 0 }}>
          <input
            type="text"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-label="New experiment name"
            data-testid="rename-input"
            // biome-ignore lint/a11y/noAutofocus: the user asked to rename
            autoFocus
          />
          <button
            type="submit"
            className="primary"
            disabled={!text.trim() || renameState.fetching}
            data-testid="rename-save"
          >
            Save name
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button
          type="button"
          onClick={() => {
            setText(name);
            setEditing(true);
          }}
          data-testid="rename-experiment"
        >
          Rename
        </button>
      )}
      {!canDelete ? null : confirming ? (
        <>
          <button
            type="button"
            className="danger"
            onClick={doDelete}
            disabled={deleteState.fetching}
            data-testid="delete-experiment-confirm"
          >
            Delete “{name}” and its {runCount} run{runCount === 1 ? '' : 's'}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)} data-testid="delete-experiment">
          Delete…
        </button>
      )}
      {problem && (
        <span className="field-error" role="alert">
          {problem.message}
        </span>
      )}
    </div>
  );
}
