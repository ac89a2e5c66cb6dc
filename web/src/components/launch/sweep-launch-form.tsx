'use client';

import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { LaunchSweepDocument, type MetricGoal, type SweepMethod, type SweepSummary } from '@/gql/graphql';
import { parseObject } from '@/lib/config-schema';
import { useMutation } from '@/lib/data';
import { describeError } from '@/lib/errors';
import { type Issue, issuesOf, issuesUnder } from '@/lib/issues';
import { inferGoal } from '@/lib/metric-value';
import { Field, Input, Select, TextArea } from '../field';
import { Notice } from '../notice';
import { EntryPointField } from './entry-point-field';
import { ExperimentField, splitList } from './experiment-field';
import { IssueList } from './issue-list';
import { SchemaReference } from './schema-reference';
import type { ConfigSchema } from './use-config-schema';

// GRID needs lists for every parameter; RANDOM also draws from ranges (see LaunchSweepInput.space).
const EXAMPLES: Record<SweepMethod, string> = {
  GRID: `{\n  "lr": { "values": [1e-5, 2e-5] },\n  "units": [128, 256]\n}`,
  RANDOM: `{\n  "lr": { "min": 1e-6, "max": 1e-3, "distribution": "log_uniform" },\n  "dropout": { "min": 0, "max": 0.5 },\n  "units": [128, 256]\n}`,
};
const FORM_FIELDS = [
  'experiment',
  'name',
  'method',
  'maxRuns',
  'parallelism',
  'metric',
  'goal',
  'summary',
  'labels',
  'retries',
  'seed',
  'baseConfig',
  'space',
  'config',
  'entryPoint',
];

const METHODS: Record<SweepMethod, string> = {
  GRID: 'GRID: every combination of listed values',
  RANDOM: 'RANDOM: maxRuns draws from lists and ranges',
};
const GOALS: Record<MetricGoal, string> = { MAXIMIZE: 'maximize', MINIMIZE: 'minimize' };
const SUMMARIES: Record<SweepSummary, string> = {
  LAST: 'last value (the saved model)',
  BEST: 'best value over epochs',
};

/** Launches a hyperparameter sweep with launchSweep: every run is generated and validated up front. */
export function SweepLaunchForm({ schema, initialExperiment }: { schema: ConfigSchema; initialExperiment: string }) {
  const router = useRouter();
  const [experiment, setExperiment] = useState(initialExperiment);
  const [name, setName] = useState('');
  const [method, setMethod] = useState<SweepMethod>('GRID');
  const [maxRuns, setMaxRuns] = useState('4');
  const [parallelism, setParallelism] = useState('2');
  const [metric, setMetric] = useState('val_acc');
  // null: follow the metric's name (the contract's inferGoal, as compareRuns ranks); a name that implies
  // no goal starts at MAXIMIZE, shown in the select so the user sees the choice.
  const [goalChoice, setGoalChoice] = useState<MetricGoal | null>(null);
  const goal = goalChoice ?? inferGoal(metric) ?? 'MAXIMIZE';
  const [summary, setSummary] = useState<SweepSummary>('LAST');
  const [labels, setLabels] = useState('');
  const [retries, setRetries] = useState('0');
  const [entryPoint, setEntryPoint] = useState(BUILTIN_ENTRY_POINT);
  const builtin = entryPoint === BUILTIN_ENTRY_POINT;
  const [baseEdited, setBaseEdited] = useState<string | null>(null);
  const baseConfig = baseEdited ?? (builtin ? schema.defaultText : null) ?? '{}';
  const [space, setSpace] = useState(EXAMPLES.GRID);
  const [{ fetching, error }, launch] = useMutation(LaunchSweepDocument);
  const base = parseObject(baseConfig, 'Base config');
  const spc = parseObject(space, 'Space');
  const issues = issuesOf(error);
  const problem = issues.length ? null : describeError(error);

  // A generated config's issue (config.<path>) belongs to the space when the space sets that path.
  const spaceKeys = new Set(Object.keys(spc.value ?? {}));
  const configIssues = issuesUnder(issues, 'config');
  const fromSpace = (i: Issue) => spaceKeys.has(i.path.slice('config.'.length));
  const otherIssues = issues.filter((i) => !FORM_FIELDS.some((f) => i.path === f || i.path.startsWith(`${f}.`)));
  const under = (f: string) => issuesUnder(issues, f);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (base.error || spc.error) return;
    const r = await launch({
      input: {
        experimentName: experiment.trim(),
        name: name.trim() || undefined,
        method,
        maxRuns: Number(maxRuns),
        parallelism: Number(parallelism),
        metric: metric.trim(),
        goal,
        summary,
        labels: splitList(labels),
        retries: Number(retries) || 0,
        entryPoint,
        baseConfig: builtin ? base.value && schema.given(base.value) : base.value,
        space: spc.value,
      },
    });
    if (r.data) router.push(`/sweeps/${r.data.launchSweep.id}`);
  };

  return (
    <div className="launch-grid">
      <form className="panel" onSubmit={submit} data-testid="sweep-form" noValidate>
        <ExperimentField id="sweep" value={experiment} onChange={setExperiment} issues={under('experiment')} />
        <EntryPointField
          id="sweep"
          value={entryPoint}
          onChange={(name) => {
            setEntryPoint(name);
            setBaseEdited(null);
          }}
        />
        <IssueList issues={under('entryPoint')} />
        <div className="field-row">
          <Field id="sweep-name" label="Sweep name" issues={under('name')}>
            <Input value={name} onChange={setName} placeholder="default: sweep-<id>" testId="sweep-name" />
          </Field>
          <Field id="sweep-method" label="Method">
            <Select value={method} onChange={setMethod} testId="sweep-method" options={METHODS} />
          </Field>
        </div>
        <div className="field-row">
          <Field id="sweep-max" label="Max runs" issues={under('maxRuns')}>
            <Input type="number" min={1} max={1000} value={maxRuns} onChange={setMaxRuns} testId="sweep-max-runs" />
          </Field>
          <Field id="sweep-par" label="Parallelism" issues={under('parallelism')}>
            <Input
              type="number"
              min={1}
              max={256}
              value={parallelism}
              onChange={setParallelism}
              testId="sweep-parallelism"
            />
          </Field>
          <Field id="sweep-metric" label="Metric" issues={under('metric')}>
            <Input value={metric} onChange={setMetric} testId="sweep-metric" />
          </Field>
          <Field id="sweep-goal" label="Goal">
            <Select value={goal} onChange={setGoalChoice} testId="sweep-goal" options={GOALS} />
          </Field>
          <Field id="sweep-summary" label="Per run">
            <Select value={summary} onChange={setSummary} testId="sweep-summary" options={SUMMARIES} />
          </Field>
        </div>
        <div className="field-row">
          <Field id="sweep-labels" label="Agent labels (comma separated)" issues={under('labels')}>
            <Input value={labels} onChange={setLabels} placeholder="e.g. gpu" />
          </Field>
          <Field id="sweep-retries" label="Retries per run" issues={under('retries')}>
            <Input type="number" min={0} max={100} value={retries} onChange={setRetries} />
          </Field>
        </div>
        <Field
          id="sweep-space"
          label={
            <>
              Search space (JSON: config path → list, {'{'} values {'}'} or {'{'} min, max, distribution {'}'})
            </>
          }
          error={spc.error}
          issues={[...under('space'), ...configIssues.filter(fromSpace)]}
          issuesTestId="space-issues"
          footer={
            <div className="toolbar">
              <button type="button" onClick={() => setSpace(EXAMPLES[method])} data-testid="space-example">
                Example for {method}
              </button>
              <span className="hint small">
                Dotted keys set nested fields (augmentation.zoomRange). Distributions: uniform, log_uniform,
                int_uniform.
              </span>
            </div>
          }
        >
          <TextArea rows={7} value={space} onChange={setSpace} testId="sweep-space" />
        </Field>
        <Field
          id="sweep-base"
          label="Base config (JSON object shared by every run)"
          error={base.error}
          issues={[...under('baseConfig'), ...configIssues.filter((i) => !fromSpace(i))]}
          issuesTestId="base-config-issues"
        >
          <TextArea rows={14} value={baseConfig} onChange={setBaseEdited} testId="sweep-base-config" />
        </Field>
        <IssueList issues={otherIssues} />
        {issues.length > 0 && (
          <p className="field-error" data-testid="nothing-queued">
            The server rejected the sweep; nothing was queued.
          </p>
        )}
        {problem && <Notice title="The sweep could not be launched." problem={problem} />}
        <div className="toolbar">
          <button
            type="submit"
            className="primary"
            disabled={fetching || !!base.error || !!spc.error}
            data-testid="sweep-submit"
          >
            {fetching ? 'Launching…' : 'Launch sweep'}
          </button>
        </div>
      </form>
      {builtin && (
        <SchemaReference fields={schema.fields} issues={issues} root="config" testId="sweep-schema-reference" />
      )}
    </div>
  );
}
