import { toNumber, type WireNumber } from '@runboard/contract/metric-value';

/** MetricValue / NumberColumn entries travel as numbers or "NaN" / "Infinity" / "-Infinity" strings (the contract's codec). */
export { toNumber, type WireNumber };

/** Compact display: 4 significant digits, keeps integers whole, names non-finite values. */
/**
 * How a column writes its numbers: 'exp' when some value needs scientific notation (|v| < 1e-3 or
 * >= 1e6), so that every fraction in the column does too (5.370e-5 next to 4.950e-3, never next to
 * 0.00495); 'auto' decides per value.
 */
export type NumberStyle = 'auto' | 'exp';

const needsExponent = (n: number) => {
  const a = Math.abs(n);
  return Number.isFinite(n) && a !== 0 && (a < 1e-3 || a >= 1e6) && !(Number.isInteger(n) && a < 1e9);
};

/** The style that writes all of a column's values alike. */
export function numberStyle(values: Iterable<WireNumber>): NumberStyle {
  for (const v of values) if (v !== null && v !== undefined && needsExponent(toNumber(v))) return 'exp';
  return 'auto';
}

export function formatNumber(v: WireNumber, style: NumberStyle = 'auto'): string {
  if (v === null || v === undefined) return '—';
  const n = toNumber(v);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '−∞';
  if (Number.isInteger(n) && Math.abs(n) < 1e9) return String(n);
  if (style === 'exp' || needsExponent(n)) return n.toExponential(3);
  return String(Number(n.toPrecision(4)));
}

/** The contract's goal inference (the same the server ranks compareRuns by): null for lr, phase, epoch... */
export { inferGoal } from '@runboard/contract/metric-goal';
