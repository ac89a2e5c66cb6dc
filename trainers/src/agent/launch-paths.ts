// Rewrites a launched run's config so that every path in it is confined on this agent's host:
// inputs (data/train/val/test/weights, except data sets and weights the agent fetches by name) inside the data roots, everything the trainer writes (model,
// feature cache, journal) inside the output root. The config comes from whoever may launch runs,
// so it is treated as hostile: connection settings are the agent's own and are dropped.
import path from 'node:path';
import { resolveInRoots, sanitiseSegment } from './path-confinement.ts';

export interface AgentRoots {
  /** Folders launches may read from (train/val/test/weights). */
  dataRoots: string[];
  /** The one folder trainers launched by this agent write to. */
  outputRoot: string;
}

const INPUTS = ['data', 'train', 'val', 'test', 'weights'] as const;

/** Values that name something the agent fetches into its own cache rather than a path: not confined. */
function isNamed(key: (typeof INPUTS)[number], value: string): boolean {
  if (key === 'weights') return value === 'imagenet' || value === 'random';
  if (key === 'data') return value === 'cats_vs_dogs' || /^fashion_mnist:/.test(value);
  return false;
}
const AGENT_OWNED = ['server', 'apiKey', 'offline', 'runId', 'journal'] as const;

export async function confineLaunchConfig(
  config: Record<string, unknown>,
  run: { id: string; name: string; experiment: string },
  roots: AgentRoots,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...config, experiment: run.experiment };
  for (const key of AGENT_OWNED) delete out[key];
  for (const key of INPUTS) {
    const v = out[key];
    if (v === undefined || v === null || isNamed(key, String(v))) continue;
    out[key] = await resolveInRoots(String(v), roots.dataRoots, key);
  }
  const outputRoots = [roots.outputRoot];
  // A run's own folder: names are sanitised, the id keeps two runs of the same name apart.
  const runDir = path.join(
    sanitiseSegment(run.experiment, 'experiment'),
    `${sanitiseSegment(run.name, 'run')}-${run.id.slice(0, 8)}`,
  );
  out.output = await resolveInRoots(typeof out.output === 'string' ? out.output : runDir, outputRoots, 'output');
  out.cacheDir = await resolveInRoots(
    typeof out.cacheDir === 'string' ? out.cacheDir : 'feature-cache',
    outputRoots,
    'cacheDir',
  );
  out.journal = await resolveInRoots(path.join('journal', `${run.id}.jsonl`), outputRoots, 'journal');
  return out;
}
