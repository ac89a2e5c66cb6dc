'use client';

import { ExperimentNamesDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import type { Issue } from '@/lib/issues';
import { Field, Input } from '../field';

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
    <Field
      id={id}
      label="Experiment"
      hint="An existing experiment, or a new name: it is created when the launch is accepted."
      issues={issues}
      issuesTestId={`${id}-experiment-issues`}
    >
      <Input list={`${id}-names`} value={value} onChange={onChange} required testId={`${id}-experiment`} />
      <datalist id={`${id}-names`}>
        {data?.experiments.map((x) => (
          <option key={x.id} value={x.name} />
        ))}
      </datalist>
    </Field>
  );
}

export const splitList = (s: string) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
