import type { LaunchService } from '../modules/launch/service.js';
import { every } from './periodic.js';

/** Periodically mirrors pg-boss's lease expiries onto runs (requeued or CRASHED); see LaunchService.reconcileLeases. */
export function startLeaseReconciler(launch: LaunchService, intervalMs: number, log: (m: string) => void) {
  return every(
    intervalMs,
    'lease reconciliation',
    async () => {
      const { requeued, crashed } = await launch.reconcileLeases();
      if (requeued.length) log(`requeued ${requeued.length} run(s) whose agent lost its lease: ${requeued.join(', ')}`);
      if (crashed.length)
        log(`marked ${crashed.length} run(s) CRASHED after their agent lost its lease: ${crashed.join(', ')}`);
    },
    log,
  );
}
