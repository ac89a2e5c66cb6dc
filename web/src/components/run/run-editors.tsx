'use client';

import { useEffect, useState } from 'react';
import { UpdateRunDocument } from '@/gql/graphql';
import { useMutation } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { Markdown } from '@/lib/markdown';

/** Tags (comma separated) and Markdown notes, saved with updateRun. */
export function RunEditors({ id, tags, notes }: { id: string; tags: string[]; notes: string }) {
  const [tagText, setTagText] = useState(tags.join(', '));
  const [noteText, setNoteText] = useState(notes);
  const [saved, setSaved] = useState<string | null>(null);
  const [{ fetching, error }, update] = useMutation(UpdateRunDocument);
  // Someone else (or another tab) edited the run: follow unless the user has unsaved edits.
  useEffect(() => setTagText((t) => (t === tags.join(', ') ? t : tags.join(', '))), [tags]);
  useEffect(() => setNoteText(notes), [notes]);
  const dirty = tagText !== tags.join(', ') || noteText !== notes;
  const save = async () => {
    const newTags = tagText
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const r = await update({ id, input: { tags: newTags, notes: noteText } });
    if (!r.error) setSaved(new Date().toLocaleTimeString());
  };
  const problem = describeError(error);
  return (
    <div className="panel">
      <h2>Notes and tags</h2>
      {notes.trim() ? (
        <Markdown source={notes} className="markdown run-notes" />
      ) : (
        <p className="muted small">No notes yet.</p>
      )}
      <div className="field">
        <label htmlFor="run-tags">Tags (comma separated)</label>
        <input
          id="run-tags"
          type="text"
          value={tagText}
          onChange={(e) => setTagText(e.target.value)}
          data-testid="tags-input"
        />
      </div>
      <div className="field">
        <label htmlFor="run-notes">Notes (Markdown)</label>
        <textarea
          id="run-notes"
          rows={5}
          value={noteText}
          onChange={(e) => setNoteText(e.target.value)}
          data-testid="notes-input"
        />
      </div>
      <div className="toolbar">
        <button type="button" className="primary" onClick={save} disabled={!dirty || fetching} data-testid="save-run">
          {fetching ? 'Saving…' : 'Save'}
        </button>
        {saved && !dirty && <span className="muted small">Saved at {saved}</span>}
        {problem && (
          <span className="field-error" role="alert">
            {problem.message}
          </span>
        )}
      </div>
    </div>
  );
}
