import { makeRng } from '@runboard/contract/rng';
import { badInput } from '../../core/errors.ts';

/**
 * Sweep search spaces, in the shape W&B users know:
 *   { "lr": { "values": [1e-5, 2e-5] },           // a list (GRID and RANDOM)
 *     "units": [128, 256],                          // shorthand for { values: [...] }
 *     "dropout": { "min": 0, "max": 0.5 },          // uniform (RANDOM only)
 *     "lr2": { "min": 1e-6, "max": 1e-3, "distribution": "log_uniform" },
 *     "batch": { "min": 8, "max": 64, "distribution": "int_uniform" },
 *     "augmentation.zoomRange": { "values": [0, 0.2] } }   // dotted keys set nested config fields
 */
type Param =
  | { path: string; kind: 'values'; values: unknown[] }
  | { path: string; kind: 'uniform' | 'log_uniform' | 'int_uniform'; min: number; max: number };

export function parseSpace(space: unknown): Param[] {
  if (space === null || typeof space !== 'object' || Array.isArray(space))
    throw badInput('space', 'must be a JSON object of parameter -> values or range');
  const params = Object.entries(space as Record<string, unknown>).map(([path, spec]): Param => {
    const where = `space.${path}`;
    if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(path))
      throw badInput(where, 'parameter names are config keys, dotted for nested fields');
    if (Array.isArray(spec)) spec = { values: spec };
    if (spec === null || typeof spec !== 'object')
      throw badInput(where, 'must be a list, { values: [...] } or { min, max, distribution }');
    const s = spec as Record<string, unknown>;
    if (Array.isArray(s.values)) {
      if (s.values.length === 0) throw badInput(where, 'values must not be empty');
      return { path, kind: 'values', values: s.values };
    }
    const kind = (s.distribution ?? 'uniform') as string;
    if (!['uniform', 'log_uniform', 'int_uniform'].includes(kind))
      throw badInput(where, 'distribution must be uniform, log_uniform or int_uniform');
    if (typeof s.min !== 'number' || typeof s.max !== 'number' || !(s.min < s.max))
      throw badInput(where, 'needs numbers min < max');
    if (kind === 'log_uniform' && s.min <= 0) throw badInput(where, 'log_uniform needs min > 0');
    return { path, kind: kind as 'uniform', min: s.min, max: s.max };
  });
  if (params.length === 0) throw badInput('space', 'must name at least one parameter');
  return params;
}

export function generate(
  params: Param[],
  method: 'GRID' | 'RANDOM',
  maxRuns: number,
  seed: number,
): Record<string, unknown>[] {
  if (method === 'GRID') {
    const ranged = params.find((p) => p.kind !== 'values');
    if (ranged)
      throw badInput(`space.${ranged.path}`, 'GRID needs a list of values for every parameter (ranges are for RANDOM)');
    let points: Record<string, unknown>[] = [{}];
    for (const p of params as Extract<Param, { kind: 'values' }>[]) {
      points = points.flatMap((pt) => p.values.map((v) => ({ ...pt, [p.path]: v })));
      if (points.length > 100_000) throw badInput('space', 'the grid has more than 100,000 points');
    }
    return points.slice(0, maxRuns);
  }
  const next = makeRng(seed); // the trainer's seeded RNG: a sweep's RANDOM draws are reproducible from its seed
  return Array.from({ length: maxRuns }, () =>
    Object.fromEntries(
      params.map((p) => {
        const u = next();
        switch (p.kind) {
          case 'values':
            return [p.path, p.values[Math.floor(u * p.values.length)]];
          case 'uniform':
            return [p.path, p.min + u * (p.max - p.min)];
          case 'log_uniform':
            return [p.path, Math.exp(Math.log(p.min) + u * (Math.log(p.max) - Math.log(p.min)))];
          case 'int_uniform':
            return [p.path, Math.floor(p.min + u * (p.max - p.min + 1))];
        }
      }),
    ),
  );
}

/** Applies dotted-path assignments to a copy of the base config. */
export function applyPoint(base: Record<string, unknown>, point: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [path, value] of Object.entries(point)) {
    const keys = path.split('.');
    let node = out as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (node[k] === null || typeof node[k] !== 'object' || Array.isArray(node[k])) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
  }
  return out;
}
