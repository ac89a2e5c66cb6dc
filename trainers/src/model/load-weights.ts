import { stat } from 'node:fs/promises';
import { randomVggWeights, type VggWeights } from './weights.ts';
import { loadKerasH5Weights } from './weights-h5.ts';
import { loadTfjsFolderWeights } from './weights-tfjs.ts';

/** --weights: a Keras .h5 file, a tfjs folder / model.json, or nothing (seeded random init). */
export async function loadVggWeights(path: string | undefined, seed: number): Promise<VggWeights> {
  if (!path) return randomVggWeights(seed);
  const s = await stat(path).catch(() => null);
  if (!s) throw new Error(`weights not found: ${path}`);
  if (s.isDirectory() || path.endsWith('.json')) return loadTfjsFolderWeights(path);
  return loadKerasH5Weights(path);
}
