'use client';

import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { LaunchRunDocument } from '@/gql/graphql';
import { parseObject } from '@/lib/config-schema';
import { useMutation } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { issuesOf, issuesUnder } from '@/lib/issues';
import { Notice } from '../notice';
import { EntryPointField } from './entry-point-field';
import { ExperimentField, splitList } from './experiment-field';
import { IssueList } from './issue-list';
import { PresetPicker } from './preset-picker';
import { SchemaReference } from './schema-reference';
import type { ConfigSchema } from './use-config-schema';

// Input fields with their own place in the form; any other issue path is listed above the submit button.
const FORM_FIELDS = ['experiment', 'name', 'labels', 'retries', 'tags', 'config', 'entryPoint'];

/**
 * Queues one run with launchRun: of the built-in trainer (config checked by the server against its schema) or
 * of a program an agent declared (any JSON object).
 */
export function RunLaunchForm({ schema, initialExperiment }: { schema: ConfigSchema; initialExperiment: string }) {
  const router = useRouter();
  const [experiment, setExperiment] = useState(initialExperiment);
  const [name, setName] = useState('');
  const [labels, setLabels] = useState('');
  const [retries, setRetries] = useState('0');
  const [tags, setTags] = useState('');
  const [entryPoint, setEntryPoint] = useState(BUILTIN_ENTRY_POINT);
  const builtin = entryPoint === BUILTIN_ENTRY_POINT;
  // null until edited: follows the schema's defaults (which arrive after the first render), or {} for a program.
  const [edited, setEdited] = useState<string | null>(null);
  const config = edited ?? (builtin ? schema.defaultText : null) ?? '{}';
  const [{ fetching, error }, launch] = useMutation(LaunchRunDocument);
  const cfg = parseObject(config, 'Config');
  const issues = issuesOf(error);
  const otherIssues = issues.filter((i) => !FORM_FIELDS.some((f) => i.path === f || i.path.startsWith(`${f}.`)));
  const problem = issues.length ? null : describeError(error);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (cfg.error) return;
    const r = await launch({
      input: {
        experimentName: experiment.trim(),
        name: name.trim() || undefined,
        labels: splitList(labels),
        retries: Number(retries) || 0,
        tags: splitList(tags),
        entryPoint,
        // Only the keys the user set (not the trainer's defaults) for the built-in trainer; another program's
        // config is all the user's.
        config: builtin ? schema.given(cfg.value!) : cfg.value,
      },
    });
    if (r.data) router.push(`/runs/${r.data.launchRun.id}`);
  };

  return (
    <div className="launch-grid">
      <form className="panel" onSubmit={submit} data-testid="launch-form" noValidate>
        <ExperimentField
          id="launch"
          value={experiment}
          onChange={setExperiment}
          issues={issuesUnder(issues, 'experiment')}
        />
        <EntryPointField
          id="launch"
          value={entryPoint}
          onChange={(name) => {
            setEntryPoint(name);
            setEdited(null); // a trainer config means nothing to another program, and the reverse
          }}
        />
        <IssueList issues={issuesUnder(issues, 'entryPoint')} />
        <div className="field-row">
          <div className="field">
            <label htmlFor="run-name">Run name</label>
            <input
              id="run-name"
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="default: run-<n>"
              data-testid="launch-name"
            />
            <IssueList issues={issuesUnder(issues, 'name')} />
          </div>
          <div className="field">
            <label htmlFor="run-tags">Tags (comma separated)</label>
            <input id="run-tags" type="text" value={tags} onChange={(e) => setTags(e.target.value)} />
            <IssueList issues={issuesUnder(issues, 'tags')} />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="run-labels">Agent labels (comma separated)</label>
            <input
              id="run-labels"
              type="text"
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="e.g. gpu, a100"
              data-testid="launch-labels"
            />
            <span className="hint">Only agents carrying every label may run it.</span>
            <IssueList issues={issuesUnder(issues, 'labels')} />
          </div>
          <div className="field">
            <label htmlFor="run-retries">Retries</label>
            <input
              id="run-retries"
              type="number"
              min={0}
              max={100}
              value={retries}
              onChange={(e) => setRetries(e.target.value)}
              data-testid="launch-retries"
            />
            <span className="hint">Requeues if its agent dies; then CRASHED.</span>
            <IssueList issues={issuesUnder(issues, 'retries')} />
          </div>
        </div>
        {builtin && <PresetPicker id="launch" presetText={schema.presetText} onPick={setEdited} />}
        <div className="field">
          <label htmlFor="config">
            {builtin ? 'Trainer config (JSON object)' : 'Program config (any JSON object)'}
          </label>
          <textarea
            id="config"
            rows={22}
            value={config}
            onChange={(e) => setEdited(e.target.value)}
            spellCheck={false}
            aria-invalid={!!cfg.error || issuesUnder(issues, 'config').length > 0}
            data-testid="launch-config"
          />
          {cfg.error && (
            <span className="field-error" data-testid="config-error">
              {cfg.error}
            </span>
          )}
          <IssueList issues={issuesUnder(issues, 'config')} testId="config-issues" />
          <div className="toolbar">
            <button
              type="button"
              onClick={() => setEdited(null)}
              disabled={edited === null || (builtin && !schema.defaultText)}
              data-testid="config-reset"
            >
              Reset to defaults
            </button>
          </div>
        </div>
        <IssueList issues={otherIssues} />
        {issues.length > 0 && (
          <p className="field-error" data-testid="nothing-queued">
            The server rejected the launch; nothing was queued.
          </p>
        )}
        {problem && <Notice title="The run could not be launched." problem={problem} />}
        <div className="toolbar">
          <button type="submit" className="primary" disabled={fetching || !!cfg.error} data-testid="launch-submit">
            {fetching ? 'Launching…' : 'Launch run'}
          </button>
        </div>
      </form>
      {builtin && <SchemaReference fields={schema.fields} issues={issues} root="config" testId="schema-reference" />}
    </div>
  );
}
