/**
 * The chart and sweep-analysis maths on their own (no browser): 1-2-5 ticks and domains, log ticks,
 * the random-forest importance finding the parameter that drives the metric, and the compare page's URL
 * state and group lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupChartCols, groupCompareRuns } from '../src/lib/compare-groups.ts';
import { type CompareState, compareSearch, readCompareState } from '../src/lib/compare-state.ts';
import { linearTicks, logDomain, logTicks, niceDomain, niceStep, tickLabel } from '../src/lib/scale.ts';
import { forestImportance, paramAxis, parameterImportance, pearson } from '../src/lib/sweep-analysis.ts';

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

test('compare URL state: defaults give no parameters, runs= keeps its text, every setting reads back', () => {
  const defaults = readCompareState(new URLSearchParams(''));
  assert.equal(compareSearch('?runs=a,b', defaults), '?runs=a,b');
  assert.equal(compareSearch('', defaults), '');
  const s: CompareState = {
    tab: 'panels',
    hidden: ['b'],
    smoothing: 0.604,
    xMode: 'wall',
    bands: false,
    differencesOnly: false,
    group: ['opt.lr', 'odd,key%'],
    band: 'std',
    logY: ['loss', 'val_loss'],
    zoom: [12.5, 300],
    panelY: 'own',
  };
  const q = compareSearch('?runs=a,b&tab=overlay&smooth=0.9', s);
  assert.equal(
    q,
    '?runs=a,b&tab=panels&hide=b&smooth=0.6&x=wall&bands=0&diff=all&group=opt.lr,odd%252Ckey%2525&band=std&logy=loss,val_loss&zoom=12.5,300&py=own',
  );
  assert.deepEqual(readCompareState(new URLSearchParams(q)), {
    ...s,
    hidden: ['b'],
    group: [...s.group],
    logY: [...s.logY],
    smoothing: 0.6,
  });
  // Hand-edited values fall back to defaults or the slider's range.
  const odd = readCompareState(new URLSearchParams('smooth=7&x=banana&tab=x&band=wide'));
  assert.deepEqual([odd.smoothing, odd.xMode, odd.tab, odd.band], [0.99, 'step', 'overlay', 'minmax']);
  assert.equal(readCompareState(new URLSearchParams('smooth=abc')).smoothing, 0);
  for (const z of ['5', '3,1', 'a,b', '1,2,3', ''])
    assert.equal(readCompareState(new URLSearchParams(`zoom=${z}`)).zoom, null, `zoom=${z}`);
});

test('compare groups come from config rows; a key without a row does not split; null joins "—"', () => {
  const runs = ['r1', 'r2', 'r3', 'r4'].map((id) => ({ id }));
  const config = {
    runIds: ['r4', 'r3', 'r2', 'r1'],
    rows: [
      { path: 'opt.lr', values: [0.01, 0.1, 0.01, 0.1] },
      { path: 'seed', values: [2, 1, null, 1] },
    ],
  };
  const byLr = groupCompareRuns(runs, ['opt.lr'], config);
  assert.deepEqual(
    byLr.map((g) => [g.label, g.runs.map((r) => r.id)]),
    [
      ['opt.lr=0.01', ['r2', 'r4']],
      ['opt.lr=0.1', ['r1', 'r3']],
    ],
  );
  assert.deepEqual(
    groupCompareRuns(runs, ['seed', 'same'], config).map((g) => g.label),
    ['seed=1', 'seed=2', 'seed=—'],
  );
  assert.deepEqual(
    groupCompareRuns(runs, ['same'], config).map((g) => [g.label, g.runs.length]),
    [['all runs', 4]],
  );
});

test('a group line is the per-step mean with a min/max or ±std band; smoothing is per run, raw mean behind', () => {
  const series = (values: number[]) => ({ step: values.map((_, i) => i), value: values });
  const runs = [series([1, 2, 3]), series([3, 4]), series([2]), undefined];
  const mm = groupChartCols(runs, 'minmax')!;
  assert.deepEqual([mm.x, mm.y, mm.lo, mm.hi, mm.raw], [[0, 1, 2], [2, 3, 3], [1, 2, 3], [3, 4, 3], undefined]);
  const std = groupChartCols(runs, 'std')!;
  const sd0 = Math.sqrt(2 / 3); // values 1, 3, 2 at step 0
  const near = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < 1e-12);
  assert.ok(near(std.lo, [2 - sd0, 2, 3]), `${std.lo}`);
  assert.ok(near(std.hi, [2 + sd0, 4, 3]), `${std.hi}`);
  // Each run is smoothed on its own, then averaged: at step 2 only the first run (1, 2, 3 -> 2.5) counts,
  // where smoothing the mean line (2, 3, 3) would give 3.
  const pairs = (v: number[]) => v.map((x, i) => (i ? (x + v[i - 1]!) / 2 : x));
  const smooth = groupChartCols(runs, 'minmax', pairs)!;
  assert.deepEqual(smooth.y, [2, 2.5, 2.5]);
  assert.deepEqual(smooth.raw, [2, 3, 3]);
  assert.equal(groupChartCols([undefined, series([])], 'std'), null);
});
