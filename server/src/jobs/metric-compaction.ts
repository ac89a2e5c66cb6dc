import type { MetricService } from '../modules/metric/service.ts';
import { every } from './periodic.ts';

/**
 * Metric compaction (issue #23): this server works the compaction queue (jobs queued when runs end), and
 * periodically queues whatever is still uncompacted: runs that ended before the feature existed (the
 * background migration of existing data), a job lost with its server, long active runs. Queueing is
 * deduplicated per run, and compaction is idempotent, so every server may sweep.
 */
export async function startMetricCompaction(
  metrics: MetricService,
  intervalMs: number,
  log: (m: string) => void,
): Promise<() => void> {
  await metrics.workCompactions(log);
  const sweep = async () => {
    const n = await metrics.queueBacklog();
    if (n) log(`queued ${n} run(s) for metric compaction`);
  };
  await sweep().catch((err) => log(`compaction sweep failed: ${(err as Error).message}`));
  return every(intervalMs, 'compaction sweep', sweep, log);
}
