/**
 * A training curve of float32-origin values with noise, as a trainer logs them: one `columns` request per run,
 * every key over `steps` steps (loss-like keys fall, the others rise). bench:storage and bench/series-profile.ts
 * seed the same shape with it, so their figures compare.
 */
export function trainingCurveColumns(run: number, keys: string[], steps: number) {
  const c = { keys: [] as string[], steps: [] as number[], values: [] as number[], wallTimes: [] as string[] };
  const t0 = Date.UTC(2026, 0, 1) + run * 3_600_000;
  for (const key of keys)
    for (let step = 0; step < steps; step++) {
      const x = step / steps;
      const v = key.includes('loss') ? 2 * Math.exp(-4 * x) + 0.05 * Math.random() : 1 - 0.9 * Math.exp(-3 * x);
      c.keys.push(key);
      c.steps.push(step);
      c.values.push(Math.fround(v));
      c.wallTimes.push(new Date(t0 + step * 250 + Math.floor(Math.random() * 20)).toISOString());
    }
  return c;
}
