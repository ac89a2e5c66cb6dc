export type MetricGoal = 'MINIMIZE' | 'MAXIMIZE';

/**
 * The goal a metric's name implies, shared by the server (compareRuns' ranking) and the dashboard (a
 * metric's "best" column, a sweep form's default goal): losses, errors and durations are minimised;
 * accuracy-like scores and throughputs maximised. Anything else (lr, phase, epoch, ...) has no goal:
 * ranking a learning rate "best" would be noise, so such metrics are shown but not ranked unless a
 * goal is given.
 */
export function inferGoal(key: string): MetricGoal | null {
  if (/loss|err|mse|mae|rmse|perplexity|ppl|time|seconds|latency/i.test(key)) return 'MINIMIZE';
  if (/acc|accuracy|auc|precision|recall|f1|iou|dice|map\b|score|per_second|throughput|reward/i.test(key))
    return 'MAXIMIZE';
  return null;
}
