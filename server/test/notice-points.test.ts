// The points a metrics NOTIFY carries are written as text (metric/ingest.ts noticePoints): the same JSON as
// stringifying the NoticePoint objects, for any key, number and wall time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noticePoints } from '../src/modules/metric/ingest.ts';

const reference = (points: { key: string; step: number; value: number; wallTime: number }[]) =>
  JSON.stringify(points.map((p) => ({ ...p, wallTime: new Date(p.wallTime).toISOString() })));

test('noticePoints writes what JSON.stringify of the points would', () => {
  const keys = ['loss', 'a"b\\c', 'ünï/cødé 😀', 'tab\there', 'x'.repeat(40)];
  const values = [0, -0, 1.5, -2.25e-7, 1e21, 5e-324, Number.MAX_VALUE, 123456789.123];
  const points = keys.flatMap((key, k) =>
    values.map((value, i) => ({ key, step: k * 100 + i, value, wallTime: 1_700_000_000_000 + (i % 3) })),
  );
  assert.equal(noticePoints(points), reference(points));
  assert.equal(noticePoints(points.slice(0, 1)), reference(points.slice(0, 1)));
});

test('noticePoints leaves out batches whose points do not fit or are not finite', () => {
  const point = (value: number, key = 'k') => ({ key, step: 1, value, wallTime: 0 });
  assert.equal(noticePoints([point(1), point(Number.NaN)]), null);
  assert.equal(noticePoints([point(Number.POSITIVE_INFINITY)]), null);
  assert.equal(noticePoints(Array.from({ length: 101 }, (_, i) => point(i))), null);
  assert.equal(noticePoints(Array.from({ length: 60 }, (_, i) => point(i, `${'😀'.repeat(30)}${i}`))), null);
});
