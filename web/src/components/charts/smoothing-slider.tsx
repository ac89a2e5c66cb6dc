'use client';

/** EMA weight 0..0.99 (TensorBoard's smoothing); 0 draws the raw series only. */
export function SmoothingSlider({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label>
      smoothing (EMA)
      <input
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        data-testid="smoothing"
      />
      <span style={{ width: 32 }}>{value.toFixed(2)}</span>
    </label>
  );
}
