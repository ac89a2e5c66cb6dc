/**
 * How a diverged run's errorMessage starts: the trainer's non-finite guard puts the cause first
 * (trainers/src/train/divergence.ts), and the dashboard badges FAILED runs whose message matches.
 */
const DIVERGED =
  /^((loss|acc|val_loss|val_acc) became (NaN|-?Infinity)\b|weights became non-finite\b|training diverged\b)/;

export function isDivergence(errorMessage: string | null | undefined): boolean {
  return typeof errorMessage === 'string' && DIVERGED.test(errorMessage);
}
