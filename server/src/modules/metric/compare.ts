import { isUuid } from '@runboard/contract/ids';
import { inferGoal, type MetricGoal } from '@runboard/contract/metric-goal';
import type pg from 'pg';
import { notFound } from '../../core/errors.ts';
import { findRuns, type RunRow } from '../run/store.ts';
import { type ComparedLatest, comparedLatest } from './store.ts';

export type Goal = MetricGoal;

/** Flattens nested config objects to dotted paths; arrays and scalars are leaves. */
export function flatten(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

export interface Comparison {
  runs: RunRow[];
  config: (differencesOnly: boolean) => { path: string; values: unknown[]; differs: boolean }[];
  metrics: {
    key: string;
    goal: Goal | null;
    bestRunId: string | null;
    results: {
      runId: string;
      final: number | null;
      finalStep: number | null;
      best: number | null;
      bestStep: number | null;
    }[];
  }[];
}

/** Reads only runs and metric_latest: the cost is independent of history length, so any number of runs works. */
export async function compareRuns(
  db: pg.Pool,
  runIds: string[],
  keys: string[] | null,
  goals: Map<string, Goal>,
): Promise<Comparison> {
  for (const id of runIds) if (!isUuid(id)) throw notFound('Run', id);
  const found = await findRuns(db, runIds);
  const byId = new Map(found.map((r) => [r.id, r]));
  const runs = runIds.map((id) => {
    const run = byId.get(id.toLowerCase());
    if (!run) throw notFound('Run', id);
    return run;
  });
  const rows = await comparedLatest(
    db,
    runs.map((r) => r.id),
    keys,
  );
  const byKey = new Map<string, Map<string, ComparedLatest>>();
  for (const row of rows) {
    if (!byKey.has(row.key)) byKey.set(row.key, new Map());
    byKey.get(row.key)!.set(row.runId, row);
  }
  const metrics = [...byKey.entries()].map(([key, perRun]) => {
    const goal = goals.get(key) ?? inferGoal(key);
    let bestRunId: string | null = null;
    let bestValue: number | null = null;
    const results = runs.map((run) => {
      const row = perRun.get(run.id);
      if (!row) return { runId: run.id, final: null, finalStep: null, best: null, bestStep: null };
      if (goal === null)
        return { runId: run.id, final: row.lastValue, finalStep: row.lastStep, best: null, bestStep: null };
      const best = goal === 'MINIMIZE' ? row.minValue : row.maxValue;
      const bestStep = goal === 'MINIMIZE' ? row.minStep : row.maxStep;
      if (best !== null && (bestValue === null || (goal === 'MINIMIZE' ? best < bestValue : best > bestValue))) {
        bestValue = best;
        bestRunId = run.id;
      }
      return { runId: run.id, final: row.lastValue, finalStep: row.lastStep, best, bestStep };
    });
    return { key, goal, results, bestRunId };
  });
  const flat = runs.map((r) => flatten(r.config));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const rowsOfConfig = paths.map((path) => {
    const values = flat.map((f) => (f.has(path) ? f.get(path) : null));
    const first = JSON.stringify(values[0] ?? null);
    return { path, values, differs: values.some((v) => JSON.stringify(v ?? null) !== first) };
  });
  return {
    runs,
    metrics,
    config: (differencesOnly) => (differencesOnly ? rowsOfConfig.filter((r) => r.differs) : rowsOfConfig),
  };
}
