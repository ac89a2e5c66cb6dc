'use client';

/**
 * Group runs by config keys: a select adds a key, each chosen key is a removable chip (in order, so
 * grouping by `lr` then `batch` nests as the labels read).
 */
export function GroupPicker({
  paths,
  group,
  onChange,
}: {
  paths: string[];
  group: string[];
  onChange: (next: string[]) => void;
}) {
  const available = paths.filter((p) => !group.includes(p));
  return (
    <div className="toolbar group-picker" data-testid="group-picker">
      <label htmlFor="group-add" className="small muted">
        Group by
      </label>
      {group.map((g) => (
        <button
          key={g}
          type="button"
          className="chip"
          onClick={() => onChange(group.filter((x) => x !== g))}
          aria-label={`Stop grouping by ${g}`}
          data-testid={`group-chip-${g}`}
        >
          {g} ✕
        </button>
      ))}
      <select
        id="group-add"
        value=""
        onChange={(e) => e.target.value && onChange([...group, e.target.value])}
        data-testid="group-add"
      >
        <option value="">{group.length ? 'add key…' : 'config key…'}</option>
        {available.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </div>
  );
}
