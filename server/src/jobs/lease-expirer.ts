import type { RunState } from '../modules/run/run-state.ts';
import { every } from './periodic.ts';

/**
 * Periodically requeues or CRASHes runs whose agent stopped renewing its lease (RunState.expireLeases). It runs
 * every second: the check is one indexed query, and it bounds how late an agent's death is acted on to
 * LEASE_SECONDS + 1 s.
 */
export function startLeaseExpirer(state: RunState, intervalMs: number, log: (m: string) => void) {
  return every(
    intervalMs,
    'lease expiry',
    async () => {
      const { requeued, crashed } = await state.expireLeases();
      if (requeued.length) log(`requeued ${requeued.length} run(s) whose agent lost its lease: ${requeued.join(', ')}`);
      if (crashed.length) log(`ended ${crashed.length} run(s) after their agent lost its lease: ${crashed.join(', ')}`);
    },
    log,
  );
}
