import type { RunState } from '../modules/run/run-state.ts';
import { every } from './periodic.ts';

/** Periodically marks runs whose trainer went silent as CRASHED (RunState.crashSilent: once per run across servers). */
export function startCrashDetector(
  state: RunState,
  timeoutSeconds: number,
  intervalMs: number,
  log: (m: string) => void,
) {
  return every(
    intervalMs,
    'crash sweep',
    async () => {
      const ids = await state.crashSilent(timeoutSeconds);
      if (ids.length) log(`marked ${ids.length} silent run(s) CRASHED: ${ids.join(', ')}`);
    },
    log,
  );
}
