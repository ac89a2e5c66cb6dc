import { stat } from 'node:fs/promises';
import { randomVggWeights, type VggWeights } from './weights.ts';
import { loadKerasH5Weights } from './weights-h5.ts';
import { loadTfjsFolderWeights } from './weights-tfjs.ts';

/** The last file loaded in this process: a warm trainer (--warm-spare) preloads the agent's weights file. */
let last: { key: string; weights: Promise<VggWeights> } | null = null;

/** --weights: a Keras .h5 file, a tfjs folder / model.json, or nothing (seeded random init). */
export async function loadVggWeights(path: string | undefined, seed: number): Promise<VggWeights> {
  if (!path) return randomVggWeights(seed);
  const s = await stat(path).catch(() => null);
  if (!s) throw new Error(`weights not found: ${path}`);
  if (s.isDirectory() || path.endsWith('.json')) return loadTfjsFolderWeights(path);
  // Same file, same size and mtime: the arrays are only read (training copies them), so they can be shared.
  const key = `${path}\0${s.size}\0${s.mtimeMs}`;
  if (last?.key !== key) {
    const weights = loadKerasH5Weights(path);
    last = { key, weights };
    weights.catch(() => {
      if (last?.key === key) last = null;
    });
  }
  return last.weights;
}
