import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBrushes, parseBrushes } from '../src/lib/view-state.ts';

test('brushes survive the URL: axis names with colons and commas, ranges ordered, junk skipped', () => {
  const b = { lr: [1.234567e-5, 0.01] as [number, number], 'a:b,c': [0.5, 1.5] as [number, number] };
  const text = formatBrushes(b);
  assert.equal(text, 'a:b%2Cc:0.5:1.5,lr:0.00001235:0.01');
  assert.deepEqual(parseBrushes(text), { 'a:b,c': [0.5, 1.5], lr: [0.00001235, 0.01] });
  assert.deepEqual(parseBrushes('val_acc:0.9:0.7,x:1,y:a:b,:1:2'), { val_acc: [0.7, 0.9] });
  assert.deepEqual(parseBrushes(null), {});
});
