// Path confinement for anything a launch (i.e. a remote user) can name on the agent's host.
// Every path is resolved to a real path (symlinks followed) and must lie inside one of the given
// roots; names that become path segments are sanitised first. Errors never describe anything
// outside the roots: they repeat the caller's own input and name the roots, nothing else.
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export class PathConfinementError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * A name (experiment, run) made safe as ONE path segment: no separators, no `..`, no control
 * characters, no leading dot, at most 100 characters. Letters of any script are kept.
 */
export function sanitiseSegment(name: string, fallback = 'unnamed'): string {
  const s = name
    .normalize('NFC')
    .replace(/\.{2,}/g, '_')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+|[._]+$/g, '')
    .slice(0, 100);
  return s === '' ? fallback : s;
}

/**
 * realpath of a path that may not exist yet: the deepest existing ancestor is resolved (so a
 * symlink anywhere on the way is followed) and the missing rest appended (it cannot be a symlink).
 */
async function realpathLoose(abs: string): Promise<string> {
  const rest: string[] = [];
  for (let p = abs; ; ) {
    try {
      return path.join(await realpath(p), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file on the way; it is not a directory, so nothing beneath it exists either.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(p);
      if (parent === p) return abs;
      rest.push(path.basename(p));
      p = parent;
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return realpath(p).then(
    () => true,
    () => false,
  );
}

export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/** The roots as real absolute paths (a root that does not exist yet is resolved as far as it exists). */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  if (roots.length === 0) throw new Error('at least one root is required');
  return Promise.all(roots.map((r) => realpathLoose(path.resolve(r))));
}

/**
 * Resolves `p` inside `roots` and returns its real path, or throws PathConfinementError.
 * A relative path is tried against each root in order, then against the working directory (so
 * `data/train` works with the root `./data`); the first candidate that exists and stays inside a
 * root wins, else the first that stays inside (it may be created later, e.g. an output folder).
 * Absolute paths must lie inside a root after symlinks are followed.
 */
export async function resolveInRoots(p: string, roots: readonly string[], field = 'path'): Promise<string> {
  if (typeof p !== 'string' || p.length === 0) throw new PathConfinementError(field, 'must be a non-empty path');
  if (p.includes('\0')) throw new PathConfinementError(field, 'must not contain NUL characters');
  if (p.length > 4096) throw new PathConfinementError(field, 'is longer than 4096 characters');
  const real = await realRoots(roots);
  const candidates = path.isAbsolute(p)
    ? [path.resolve(p)]
    : [...roots.map((r) => path.resolve(r, p)), path.resolve(p)];
  let fallback: string | null = null;
  for (const c of candidates) {
    const target = await realpathLoose(c);
    if (!real.some((r) => isInside(r, target))) continue;
    if (await exists(target)) return target;
    fallback ??= target;
  }
  if (fallback) return fallback;
  throw new PathConfinementError(
    field,
    `${JSON.stringify(p)} is outside the agent's allowed folders (${real.join(', ')}); use a path inside them`,
  );
}
