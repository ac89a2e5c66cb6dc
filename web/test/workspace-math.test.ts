/**
 * The workspace's and the common chart module's pure maths (no browser): integer ticks on step axes, the
 * clipped ±std band, sections by metric prefix, default panels, points per run within the server's bound,
 * stable run colours, and the panels' round trip through the URL and a saved view.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandOf, groupStats } from '../src/lib/group-series.ts';
import { linearTicks } from '../src/lib/scale.ts';
import { readViewState, savedStateOf, viewStateFromSaved, viewStateSearch } from '../src/lib/view-state.ts';
import {
  colorOfRun,
  defaultPanels,
  POINTS_PER_REQUEST,
  sectionOf,
  sectionsOf,
  workspacePoints,
} from '../src/lib/workspace.ts';

test('step axes get integer ticks: a 3-step run is labelled 0 1 2, not 0 0.5 1 1.5 2', () => {
  assert.deepEqual(linearTicks(0, 2, 6), [0, 0.5, 1, 1.5, 2]);
  assert.deepEqual(linearTicks(0, 2, 6, true), [0, 1, 2]);
  assert.deepEqual(linearTicks(0, 999, 5, true), [0, 200, 400, 600, 800]);
  assert.deepEqual(linearTicks(3, 4, 8, true), [3, 4]);
});

test('the ±std band is clipped to what the runs logged: a diverging loss band never goes below 0', () => {
  const [p] = groupStats([[{ step: 0, value: 0.06 }], [{ step: 0, value: 4.01 }], [{ step: 0, value: 0.06 }]]);
  assert.ok(p!.mean - p!.std < 0, 'unclipped, the band would dip below 0');
  const [lo, hi] = bandOf(p!, 'std');
  assert.equal(lo, 0.06);
  assert.ok(Math.abs(hi - (p!.mean + p!.std)) < 1e-12);
  assert.deepEqual(bandOf(p!, 'minmax'), [0.06, 4.01]);
});

test('panels fall in sections by prefix; default panels prefer the table metrics and leave system/* last', () => {
  assert.equal(sectionOf('val_loss'), 'val_');
  assert.equal(sectionOf('system/cpu'), 'system/');
  assert.equal(sectionOf('loss'), '');
  assert.deepEqual(sectionsOf(['system/cpu', 'val_acc', 'acc', 'loss', 'val_loss']), [
    { prefix: '', keys: ['acc', 'loss'] },
    { prefix: 'system/', keys: ['system/cpu'] },
    { prefix: 'val_', keys: ['val_acc', 'val_loss'] },
  ]);
  assert.deepEqual(defaultPanels(['val_acc'], ['acc', 'loss', 'system/cpu', 'val_acc', 'lr']), [
    'val_acc',
    'acc',
    'loss',
    'lr',
  ]);
  assert.deepEqual(defaultPanels([], ['system/cpu']), ['system/cpu']);
});

test('points per run: 60 at 1,000 runs, a pixel each for few runs, within the server bound at any panel count', () => {
  assert.equal(workspacePoints(1000, 4, 800), 60);
  assert.equal(workspacePoints(6, 4, 800), 800);
  for (const [runs, panels] of [
    [1000, 20],
    [5000, 10],
    [300, 60],
  ] as const)
    assert.ok(runs * panels * workspacePoints(runs, panels, 800) <= POINTS_PER_REQUEST, `${runs} x ${panels}`);
});

test('a run keeps its colour whatever else is listed', () => {
  const id = '5b0c4a5e-0000-4000-8000-000000000001';
  assert.equal(colorOfRun(id), colorOfRun(`${id}`));
  assert.match(colorOfRun(id), /^hsl\(\d+, 70%, (45|55)%\)$/);
  const hues = new Set(Array.from({ length: 50 }, (_, i) => colorOfRun(`run-${i}`)));
  assert.ok(hues.size > 40, 'runs get distinct colours');
});

test('workspace panels round-trip through the URL and a saved view; absent means closed', () => {
  assert.equal(readViewState(new URLSearchParams('')).panels, null);
  const panels = ['acc', 'system/cpu', 'odd,key'];
  const search = viewStateSearch({ panels });
  assert.deepEqual(readViewState(new URLSearchParams(search)).panels, panels);
  const state = { ...readViewState(new URLSearchParams(search)), where: 'status = RUNNING' };
  const saved = savedStateOf(state);
  assert.deepEqual(viewStateFromSaved(JSON.parse(JSON.stringify(saved)), 'v1').panels, panels);
});
