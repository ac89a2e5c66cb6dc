import type { SchemaField } from '@/lib/config-schema';
import { formatJsonValue } from '@/lib/format';
import type { Issue } from '@/lib/issues';

/** Short enums in full; long ones (VGG16 layer names) by their ends, the full list in the tooltip. */
function enumText(values: unknown[]): string {
  const v = values.map(String);
  return v.length <= 6 ? v.join(' | ') : `${v[0]} | ${v[1]} | … | ${v.at(-1)} (${v.length} values)`;
}

/**
 * The trainer's config fields as a table next to the JSON editor: what may be set, its type, default
 * and bounds. Rows the server complained about are highlighted with the message, so a problem in a long
 * JSON document can be found by name. `root` is the issue path prefix of the edited object.
 */
export function SchemaReference({
  fields,
  issues,
  root,
  testId,
}: {
  fields: SchemaField[];
  issues: Issue[];
  root: string;
  testId: string;
}) {
  const byPath = new Map<string, string[]>();
  for (const i of issues) {
    if (!i.path.startsWith(`${root}.`)) continue;
    const p = i.path.slice(root.length + 1);
    byPath.set(p, [...(byPath.get(p) ?? []), i.message]);
  }
  return (
    <details className="panel schema-ref" open>
      <summary>
        <strong>Trainer config fields</strong> <span className="muted small">(from trainerConfigSchema)</span>
      </summary>
      <div className="table-scroll schema-scroll">
        <table className="grid" data-testid={testId}>
          <thead>
            <tr>
              <th>Field</th>
              <th>Type, allowed values</th>
              <th>Default</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => {
              const problems = byPath.get(f.path);
              return (
                <tr key={f.path} className={problems ? 'has-issue' : undefined} data-field={f.path}>
                  <td>
                    <code>{f.path}</code>
                    {f.required && (
                      <span className="required" title="required">
                        *
                      </span>
                    )}
                    {problems?.map((m) => (
                      <div key={m} className="field-error">
                        {m}
                      </div>
                    ))}
                  </td>
                  <td className="small wrap" title={f.enum ? f.enum.map(String).join(', ') : undefined}>
                    {f.enum ? enumText(f.enum) : [f.type, f.range].filter(Boolean).join(', ')}
                  </td>
                  <td className="small">{f.default === undefined ? '' : formatJsonValue(f.default)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        * required. The experiment, run name and tags come from the form; connection settings come from the agent.
      </p>
    </details>
  );
}
