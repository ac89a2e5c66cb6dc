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
          <div className="field">
            <label htmlFor="sweep-name">Sweep name</label>
            <input
              id="sweep-name"
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="default: sweep-<id>"
              data-testid="sweep-name"
            />
            <IssueList issues={under('name')} />
          </div>
          <div className="field">
            <label htmlFor="sweep-method">Method</label>
            <select
              id="sweep-method"
              value={method}
              onChange={(e) => setMethod(e.target.value as SweepMethod)}
              data-testid="sweep-method"
            >
              <option value="GRID">GRID: every combination of listed values</option>
              <option value="RANDOM">RANDOM: maxRuns draws from lists and ranges</option>
            </select>
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="sweep-max">Max runs</label>
            <input
              id="sweep-max"
              type="number"
              min={1}
              max={1000}
              value={maxRuns}
              onChange={(e) => setMaxRuns(e.target.value)}
              data-testid="sweep-max-runs"
            />
            <IssueList issues={under('maxRuns')} />
          </div>
          <div className="field">
            <label htmlFor="sweep-par">Parallelism</label>
            <input
              id="sweep-par"
              type="number"
              min={1}
              max={256}
              value={parallelism}
              onChange={(e) => setParallelism(e.target.value)}
              data-testid="sweep-parallelism"
            />
            <IssueList issues={under('parallelism')} />
          </div>
          <div className="field">
            <label htmlFor="sweep-metric">Metric</label>
            <input
              id="sweep-metric"
              type="text"
              value={metric}
              onChange={(e) => setMetric(e.target.value)}
              data-testid="sweep-metric"
            />
            <IssueList issues={under('metric')} />
          </div>
          <div className="field">
            <label htmlFor="sweep-goal">Goal</label>
            <select
              id="sweep-goal"
              value={goal}
              onChange={(e) => setGoalChoice(e.target.value as MetricGoal)}
              data-testid="sweep-goal"
            >
              <option value="MAXIMIZE">maximize</option>
              <option value="MINIMIZE">minimize</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="sweep-summary">Per run</label>
            <select
              id="sweep-summary"
              value={summary}
              onChange={(e) => setSummary(e.target.value as SweepSummary)}
              data-testid="sweep-summary"
            >
              <option value="LAST">last value (the saved model)</option>
              <option value="BEST">best value over epochs</option>
            </select>
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="sweep-labels">Agent labels (comma separated)</label>
            <input
              id="sweep-labels"
              type="text"
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="e.g. gpu"
            />
            <IssueList issues={under('labels')} />
          </div>
          <div className="field">
            <label htmlFor="sweep-retries">Retries per run</label>
            <input
              id="sweep-retries"
              type="number"
              min={0}
              max={100}
              value={retries}
              onChange={(e) => setRetries(e.target.value)}
            />
            <IssueList issues={under('retries')} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="sweep-space">
            Search space (JSON: config path → list, {'{'} values {'}'} or {'{'} min, max, distribution {'}'})
          </label>
          <textarea
            id="sweep-space"
            rows={7}
            value={space}
            onChange={(e) => setSpace(e.target.value)}
            spellCheck={false}
            data-testid="sweep-space"
          />
          {spc.error && <span className="field-error">{spc.error}</span>}
          <IssueList issues={[...under('space'), ...configIssues.filter(fromSpace)]} testId="space-issues" />
          <div className="toolbar">
            <button type="button" onClick={() => setSpace(EXAMPLES[method])} data-testid="space-example">
              Example for {method}
            </button>
            <span className="hint small">
              Dotted keys set nested fields (augmentation.zoomRange). Distributions: uniform, log_uniform, int_uniform.
            </span>
          </div>
        </div>
        <div className="field">
          <label htmlFor="sweep-base">Base config (JSON object shared by every run)</label>
          <textarea
            id="sweep-base"
            rows={14}
            value={baseConfig}
            onChange={(e) => setBaseEdited(e.target.value)}
            spellCheck={false}
            data-testid="sweep-base-config"
          />
          {base.error && <span className="field-error">{base.error}</span>}
          <IssueList
            issues={[...under('baseConfig'), ...configIssues.filter((i) => !fromSpace(i))]}
            testId="base-config-issues"
          />
        </div>
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
