/**
 * The chart and sweep-analysis maths on their own (no browser): 1-2-5 ticks and domains, log ticks,
 * and the random-forest importance finding the parameter that drives the metric.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearTicks, logDomain, logTicks, niceDomain, niceStep, tickLabel } from '../../web/src/lib/scale.ts';
import { forestImportance, paramAxis, parameterImportance, pearson } from '../../web/src/lib/sweep-analysis.ts';

test('ticks are 1-2-5 multiples and domains end on them (0.41..0.98 -> 0.4..1, not 1.05)', () => {
  assert.deepEqual(niceDomain(0.41, 0.98, 5), [0.4, 1]);
  assert.deepEqual(linearTicks(0.4, 1, 5), [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(linearTicks(0.4, 1, 3), [0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0, 999, 5), [0, 200, 400, 600, 800]);
  assert.deepEqual(linearTicks(15, 999, 5), [200, 400, 600, 800]);
  for (const [span, n, want] of [
    [0.19, 4, 0.05],
    [7, 5, 1],
    [9, 5, 2],
    [1234, 5, 200],
    [3e-5, 3, 1e-5],
  ] as const)
    assert.ok(Math.abs(niceStep(span, n) - want) < want * 1e-9, `niceStep(${span}, ${n})`);
  // no float noise in labels
  assert.ok(linearTicks(0.1, 0.7, 6).every((t) => String(t).length <= 4));
  assert.deepEqual(niceDomain(3, 3), [2.7, 3.3]);
});

test('log ticks are decades (with 2x and 5x over few decades); labels use exponents for tiny values', () => {
  assert.deepEqual(logTicks(1e-5, 1e-2), [1e-5, 1e-4, 1e-3, 1e-2]);
  assert.deepEqual(logTicks(0.05, 2.4), [0.05, 0.1, 0.2, 0.5, 1, 2]);
  assert.deepEqual(logDomain(0.012, 0.95), [0.01, 1]);
  assert.equal(tickLabel(1e-5), '1e-5');
  assert.equal(tickLabel(2e-4), '2e-4');
  assert.equal(tickLabel(0.25), '0.25');
});

test('parameter axes: log for log-uniform or decade-spanning numbers, categories otherwise', () => {
  assert.equal(paramAxis('lr', [1e-5, 3e-5], { distribution: 'log_uniform' }).kind, 'log');
  assert.equal(paramAxis('lr', [1e-5, 1e-4, 1e-3]).kind, 'log');
  assert.equal(paramAxis('dropout', [0.02, 0.45], { min: 0, max: 0.5 }).kind, 'linear');
  assert.deepEqual(paramAxis('opt', ['adam', 'sgd', 'adam']), {
    name: 'opt',
    kind: 'category',
    categories: ['adam', 'sgd'],
  });
});

test('importance: the forest credits the parameter that drives the metric; correlation has its sign', () => {
  // metric = f(a) only; b is noise; c is a category that does not matter
  let seed = 3;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const rows = Array.from({ length: 60 }, (_, i) => {
    const a = rand();
    const b = rand();
    return { runId: String(i), name: `r${i}`, values: { a, b, c: i % 2 ? 'x' : 'y' }, metric: Math.sin(3 * a) - a };
  });
  const axes = ['a', 'b', 'c'].map((n) =>
    paramAxis(
      n,
      rows.map((r) => r.values[n as 'a']),
    ),
  );
  const imp = parameterImportance(rows, axes);
  assert.equal(imp[0]!.name, 'a', JSON.stringify(imp));
  assert.ok(imp[0]!.importance > 0.7, JSON.stringify(imp));
  assert.ok(Math.abs(imp.reduce((s, i) => s + i.importance, 0) - 1) < 1e-9, 'importances sum to 1');
  assert.ok(pearson([1, 2, 3], [3, 2, 1]) < -0.999);
  // Deterministic (seeded): the same inputs give the same importances.
  const X = rows.map((r) => [r.values.a, r.values.b]);
  assert.deepEqual(
    forestImportance(
      X,
      rows.map((r) => r.metric),
    ),
    forestImportance(
      X,
      rows.map((r) => r.metric),
    ),
  );
  // Runs without the metric are left out; too few runs give no importance.
  assert.ok(parameterImportance(rows.slice(0, 3), axes).every((i) => i.importance === 0));
});
