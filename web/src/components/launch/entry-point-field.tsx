'use client';

import { BUILTIN_ENTRY_POINT } from '@runboard/contract/entry-point';
import { LaunchAgentsDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import { Field, Select } from '../field';

/**
 * Which program runs the launch: the built-in trainer or an entry point an online agent declared
 * (docs/own-script.md). The list is what agents registered; the command shown is theirs, never sent back.
 */
export function EntryPointField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (name: string) => void;
}) {
  const [{ data }] = useQuery({ query: LaunchAgentsDocument, requestPolicy: 'cache-and-network' });
  const byName = new Map<string, { agents: string[]; commands: Set<string> }>();
  byName.set(BUILTIN_ENTRY_POINT, { agents: [], commands: new Set() });
  for (const a of (data?.agents ?? []).filter((x) => x.online))
    for (const e of a.entryPoints) {
      const entry = byName.get(e.name) ?? { agents: [], commands: new Set<string>() };
      entry.agents.push(a.name);
      if (!e.builtin) entry.commands.add(e.command.join(' '));
      byName.set(e.name, entry);
    }
  // A value no online agent offers (typed in a link, or its agent went away) stays selectable: it waits.
  if (!byName.has(value)) byName.set(value, { agents: [], commands: new Set() });
  const chosen = byName.get(value)!;
  return (
    <Field
      id={`${id}-entry-point`}
      label="Entry point"
      hint={
        <span data-testid={`${id}-entry-point-command`}>
          {value === BUILTIN_ENTRY_POINT
            ? 'Config checked against the trainer’s schema.'
            : `Runs ${[...chosen.commands].join(' | ') || 'a program declared on an agent'}; the config is any JSON object, handed over in the file RUNBOARD_CONFIG names.`}
        </span>
      }
    >
      <Select
        value={value}
        onChange={onChange}
        testId={`${id}-entry-point`}
        options={Object.fromEntries(
          [...byName].map(([name, e]) => [
            name,
            (name === BUILTIN_ENTRY_POINT ? `${name} (built-in VGG16 trainer)` : name) +
              (e.agents.length ? ` — ${e.agents.length} agent${e.agents.length > 1 ? 's' : ''}` : ' — no agent online'),
          ]),
        )}
      />
    </Field>
  );
}
