import { toNumber, type WireNumber } from '@runboard/contract/metric-value';

/** MetricValue / NumberColumn entries travel as numbers or "NaN" / "Infinity" / "-Infinity" strings (the contract's codec). */
export { toNumber, type WireNumber };

/** Compact display: 4 significant digits, keeps integers whole, names non-finite values. */
export function formatNumber(v: WireNumber): string {
  if (v === null || v === undefined) return '—';
  const n = toNumber(v);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '−∞';
  if (Number.isInteger(n) && Math.abs(n) < 1e9) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return n.toExponential(3);
  return String(Number(n.toPrecision(4)));
}

/** The contract's goal inference (the same the server ranks compareRuns by): null for lr, phase, epoch... */
export { inferGoal } from '@runboard/contract/metric-goal';
