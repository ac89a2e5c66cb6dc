'use client';

import { PRESETS } from '@/lib/presets';

/** Replaces the config editor's text with a preset (schema defaults + the preset's values). */
export function PresetPicker({
  id,
  presetText,
  onPick,
}: {
  id: string;
  presetText: Record<string, string>;
  onPick: (text: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={`${id}-preset`}>Preset</label>
      <select
        id={`${id}-preset`}
        defaultValue=""
        data-testid={`${id}-preset`}
        onChange={(e) => {
          const text = presetText[e.target.value];
          if (text) onPick(text);
        }}
      >
        <option value="" disabled>
          Start from a preset…
        </option>
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id} title={p.description}>
            {p.label}
          </option>
        ))}
      </select>
      <span className="hint">
        The form starts from “{PRESETS[0]!.label}”. Named data sets (cats_vs_dogs, fashion_mnist:A,B) and “imagenet”
        weights are fetched and cached by the agent; folder paths are resolved under the agent’s data roots.
      </span>
    </div>
  );
}
