'use client';

import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { DeleteViewDocument, SavedViewsDocument, SaveViewDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { savedStateOf, type ViewState, viewStateFromSaved } from '@/lib/view-state';
import { useCan } from '../session';

/**
 * The experiment's saved views: pick one (its settings go into the URL with `view=<id>`, so the
 * address is the share link), save the current settings under a name, or delete the chosen view.
 */
export function SavedViews({
  experimentId,
  state,
  onApply,
}: {
  experimentId: string;
  state: ViewState;
  onApply: (next: ViewState, opts?: { replace?: boolean }) => void;
}) {
  const [{ data, error }, refetch] = useQuery({ query: SavedViewsDocument, variables: { experimentId } });
  const [saveState, save] = useMutation(SaveViewDocument);
  const [deleteState, remove] = useMutation(DeleteViewDocument);
  const [name, setName] = useState('');
  // Saving and deleting views need LOG: a READ session only picks them.
  const canSave = useCan('LOG');
  const views = data?.savedViews ?? [];
  const current = views.find((v) => v.id === state.view);
  const modified =
    current &&
    JSON.stringify(savedStateOf(viewStateFromSaved(current.state, current.id))) !== JSON.stringify(savedStateOf(state));
  const problem = describeError(error ?? saveState.error ?? deleteState.error);

  // A share link may carry only `?view=<id>`: fill in the view's settings (replacing that history entry).
  const bare = !!current && JSON.stringify(savedStateOf(state)) === '{}';
  useEffect(() => {
    if (bare && current) onApply(viewStateFromSaved(current.state, current.id), { replace: true });
  }, [bare, current, onApply]);

  const onSave = async () => {
    const r = await save({ input: { experimentId, name: name.trim(), state: savedStateOf(state) } });
    if (r.data) {
      setName('');
      refetch({ requestPolicy: 'network-only' });
      onApply({ ...state, view: r.data.saveView.id });
    }
  };
  const onDelete = async () => {
    if (!current) return;
    const r = await remove({ id: current.id });
    if (!r.error) {
      refetch({ requestPolicy: 'network-only' });
      onApply({ ...state, view: '' });
    }
  };
  return (
    <div className="toolbar saved-views" data-testid="saved-views">
      <label htmlFor="saved-view-select" className="small muted">
        View
      </label>
      <select
        id="saved-view-select"
        value={current ? current.id : ''}
        onChange={(e) => {
          const v = views.find((x) => x.id === e.target.value);
          onApply(v ? viewStateFromSaved(v.state, v.id) : { ...state, view: '' });
        }}
        data-testid="saved-view-select"
      >
        <option value="">{views.length ? '(choose a saved view)' : '(no saved views)'}</option>
        {views.map((v) => (
          <option key={v.id} value={v.id}>
            {v.name}
          </option>
        ))}
      </select>
      {modified && (
        <span className="muted small" data-testid="view-modified">
          modified
        </span>
      )}
      {current && canSave && (
        <button type="button" onClick={onDelete} disabled={deleteState.fetching} data-testid="delete-view">
          Delete view
        </button>
      )}
      {canSave && (
        <>
          <input
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={current ? current.name : 'Name this view…'}
            aria-label="Name of the view to save"
            data-testid="view-name"
            onKeyDown={(e) => e.key === 'Enter' && name.trim() && void onSave()}
          />
          <button type="button" onClick={onSave} disabled={!name.trim() || saveState.fetching} data-testid="save-view">
            Save view
          </button>
        </>
      )}
      {problem && (
        <span className="field-error" role="alert">
          {problem.message}
        </span>
      )}
    </div>
  );
}
