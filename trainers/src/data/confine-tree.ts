// Realpath confinement of everything a run reads from a data folder, not only of the folder named in the launch:
// a symlink inside a data root (ds/train -> /elsewhere, or ds/train/cats/x.png -> /etc/...) would otherwise lead
// the trainer out of the agent's roots. Each entry is resolved again on its own (following every link on the way)
// and must lie inside a root; the error names the entry by its place under the folder, never where it points.
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside, PathConfinementError, realRoots } from '../agent/path-confinement.ts';

/** Entries walked before giving up (a data folder with more files than this is not a training set). */
const MAX_ENTRIES = 2_000_000;

/**
 * Refuses (PathConfinementError) when `dir`, or any folder or file below it, resolves outside `roots`.
 * `shown` is how the folder is named in errors (the launch's own words, e.g. "ds/train").
 */
export async function assertTreeInRoots(dir: string, roots: readonly string[], shown: string): Promise<void> {
  const real = await realRoots(roots);
  const inside = async (p: string, label: string) => {
    const target = await realpath(p).catch(() => null);
    // A dangling link reads nothing; a link out of the roots is refused whatever it points at.
    if (target !== null && !real.some((r) => isInside(r, target)))
      throw new PathConfinementError(label, "is a link to somewhere outside the agent's data roots; refused");
    return target;
  };
  let seen = 0;
  const walked = new Set<string>(); // real folders already walked: a link loop inside the roots ends here
  const walk = async (p: string, label: string): Promise<void> => {
    const target = await inside(p, label);
    if (target === null || walked.has(target)) return;
    walked.add(target);
    const entries = await readdir(p, { withFileTypes: true }).catch(() => null);
    if (!entries) return; // a file
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) throw new PathConfinementError(shown, `holds more than ${MAX_ENTRIES} entries`);
      const child = join(p, e.name);
      const childLabel = `${label}/${e.name}`;
      // Links are resolved (and so checked) whatever they point at; folders are walked.
      if (e.isSymbolicLink()) {
        const target = await inside(child, childLabel);
        if (
          target !== null &&
          (await readdir(target)
            .then(() => true)
            .catch(() => false))
        )
          await walk(child, childLabel);
      } else if (e.isDirectory()) await walk(child, childLabel);
    }
  };
  await walk(dir, shown);
}
