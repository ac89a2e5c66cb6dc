'use client';

import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { LaunchRunDocument } from '@/gql/graphql';
import { parseObject } from '@/lib/config-schema';
import { useMutation } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { issuesOf, issuesUnder } from '@/lib/issues';
import { Field, Input, TextArea } from '../field';
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
          <Field id="run-name" label="Run name" issues={issuesUnder(issues, 'name')}>
            <Input value={name} onChange={setName} placeholder="default: run-<n>" testId="launch-name" />
          </Field>
          <Field id="run-tags" label="Tags (comma separated)" issues={issuesUnder(issues, 'tags')}>
            <Input value={tags} onChange={setTags} />
          </Field>
        </div>
        <div className="field-row">
          <Field
            id="run-labels"
            label="Agent labels (comma separated)"
            hint="Only agents carrying every label may run it."
            issues={issuesUnder(issues, 'labels')}
          >
            <Input value={labels} onChange={setLabels} placeholder="e.g. gpu, a100" testId="launch-labels" />
          </Field>
          <Field
            id="run-retries"
            label="Retries"
            hint="Requeues if its agent dies; then CRASHED."
            issues={issuesUnder(issues, 'retries')}
          >
            <Input type="number" min={0} max={100} value={retries} onChange={setRetries} testId="launch-retries" />
          </Field>
        </div>
        {builtin && <PresetPicker id="launch" presetText={schema.presetText} onPick={setEdited} />}
        <Field
          id="config"
          label={builtin ? 'Trainer config (JSON object)' : 'Program config (any JSON object)'}
          error={cfg.error}
          errorTestId="config-error"
          issues={issuesUnder(issues, 'config')}
          issuesTestId="config-issues"
          footer={
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
          }
        >
          <TextArea
            rows={22}
            value={config}
            onChange={setEdited}
            aria-invalid={!!cfg.error || issuesUnder(issues, 'config').length > 0}
            testId="launch-config"
          />
        </Field>
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
