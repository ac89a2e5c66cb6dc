import type { CombinedError } from './data';

/** One problem the server found in a launch, addressed by path (`config.lr`, `space.units`, `maxRuns`). */
export interface Issue {
  path: string;
  message: string;
  /** For sweeps: the 1-based run numbers whose generated config had this problem. */
  runs?: number[];
}

/**
 * The problems in a rejected launch. Config validation lists every issue in `extensions.issues`; other
 * BAD_USER_INPUT errors name one `extensions.field` and prefix the message with it; an unknown experiment
 * is NOT_FOUND without a field. Returns [] for errors that are not about the input (network, server).
 */
export function issuesOf(error: CombinedError | undefined | null): Issue[] {
  const first = error?.graphQLErrors[0];
  if (!first) return [];
  const ext = (first.extensions ?? {}) as {
    code?: string;
    field?: string;
    issues?: { path: string; message: string }[];
  };
  if (ext.code === 'NOT_FOUND' && /^Experiment /.test(first.message))
    return [{ path: 'experiment', message: first.message }];
  if (ext.code !== 'BAD_USER_INPUT') return [];
  if (Array.isArray(ext.issues) && ext.issues.length) return mergeSweepIssues(ext.issues);
  const field = ext.field ?? '';
  const message =
    field && first.message.startsWith(`${field}: `) ? first.message.slice(field.length + 2) : first.message;
  return mergeSweepIssues([{ path: field, message }]);
}

/**
 * A sweep's issues come per generated run (`runs[3].config.lr`); the same problem in 20 runs is one
 * problem of the base config or space, so they are merged into one issue listing the run numbers.
 */
function mergeSweepIssues(list: { path: string; message: string }[]): Issue[] {
  const merged = new Map<string, Issue>();
  for (const i of list) {
    const m = /^runs\[(\d+)\]\.(.*)$/.exec(i.path);
    const path = m ? m[2]! : i.path;
    const key = `${path}\u0000${i.message}`;
    const prev = merged.get(key) ?? { path, message: i.message };
    if (m) prev.runs = [...(prev.runs ?? []), Number(m[1]) + 1];
    merged.set(key, prev);
  }
  return [...merged.values()];
}

/** Issues whose path is `prefix` or below it (`config` matches `config.lr`, not `configs`). */
export function issuesUnder(issues: Issue[], prefix: string): Issue[] {
  return issues.filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`));
}
