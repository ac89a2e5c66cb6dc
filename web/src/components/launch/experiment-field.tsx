'use client';

import { ExperimentNamesDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import type { Issue } from '@/lib/issues';
import { IssueList } from './issue-list';

/** The launch's experiment, by name: existing names are offered; a new name is created by the launch. */
export function ExperimentField({
  value,
  onChange,
  issues,
  id,
}: {
  value: string;
  onChange: (v: string) => void;
  issues: Issue[];
  id: string;
}) {
  const [{ data }] = useQuery({ query: ExperimentNamesDocument });
  return (
    <div className="field">
      <label htmlFor={id}>Experiment</label>
      <input
        id={id}
        type="text"
        list={`${id}-names`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required
        data-testid={`${id}-experiment`}
      />
      <datalist id={`${id}-names`}>
        {data?.experiments.map((x) => (
          <option key={x.id} value={x.name} />
        ))}
      </datalist>
      <span className="hint">An existing experiment, or a new name: it is created when the launch is accepted.</span>
      <IssueList issues={issues} testId={`${id}-experiment-issues`} />
    </div>
  );
}

export const splitList = (s: string) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
