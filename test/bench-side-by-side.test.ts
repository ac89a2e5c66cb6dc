// bench:side-by-side's table: the figures it picks from two sides' results files. It once printed an empty table
// for bench:ingest because the Python client's snake_case keys matched none of its patterns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, figures, leaves } from '../bench/side-by-side.ts';

const ingest = (pps: number) => ({
  environment: { cpus: 2, loadBefore: [1, 2, 3] },
  config: { trials: 3 },
  results: [
    { case: 'mlflow-1000', batch: 1000, concurrency: 4, pointsPerSec: pps, p50Ms: 5, trialPointsPerSec: [pps, pps] },
  ],
  python: { ingest: { trials: 3, points_per_s: pps / 10, log_us_per_call: 4 }, overhead: { overhead_pct: 1.5 } },
});

test('ingest figures in both key styles line up by case name, not counts, configs or per-trial values', () => {
  const keys = figures([leaves(ingest(100))], [leaves(ingest(120))]).map(([k]) => k);
  assert.deepEqual(keys, [
    'results[mlflow-1000 c=4].pointsPerSec',
    'results[mlflow-1000 c=4].p50Ms',
    'python.ingest.points_per_s',
    'python.ingest.log_us_per_call',
    'python.overhead.overhead_pct',
  ]);
});

test('query figures: latencies and chart shapes by name', () => {
  const query = (ms: number) => ({
    config: { runs: 10 },
    queryMs: { n: 30, p50: ms, p99: ms * 2 },
    chartShapes: [{ shape: '10 runs x 4 keys', points: 4000, ms: { p50: ms } }],
  });
  const keys = figures([leaves(query(10))], [leaves(query(12))]).map(([k]) => k);
  assert.deepEqual(keys, ['queryMs.p50', 'queryMs.p99', 'chartShapes[10 runs x 4 keys].ms.p50']);
});

test('more than one repetition prints min / median / max of each side and new/old of the medians', () => {
  const out = compare(
    'ingest',
    [100, 90, 110].map((v) => leaves(ingest(v))),
    [200, 180, 220].map((v) => leaves(ingest(v))),
  );
  const row = out.split('\n').find((l) => l.startsWith('results[mlflow-1000 c=4].pointsPerSec'));
  assert.ok(row, out);
  assert.match(row, /90(\.0+)? \/ 100(\.0+)? \/ 110(\.0+)?\s+180(\.0+)? \/ 200(\.0+)? \/ 220(\.0+)?\s+2(\.0+)?\s*$/);
  assert.match(compare('ingest', [new Map()], [new Map()]), /no figure in common/);
});
