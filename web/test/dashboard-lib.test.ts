/**
 * The dashboard's pure helpers: grouping runs and per-step group statistics (lib/group-series.ts), and
 * the experiment page's URL state (lib/view-state.ts) that saved views store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utcTime } from '../src/lib/format.ts';
import { bandOf, configValue, groupRuns, groupStats, varyingPaths } from '../src/lib/group-series.ts';
import {
  decodeList,
  encodeList,
  readViewState,
  savedStateOf,
  viewStateFromSaved,
  viewStateSearch,
} from '../src/lib/view-state.ts';

describe('group-series', () => {
  const runs = [
    { id: 'a', config: { lr: 0.01, opt: { name: 'adam' } } },
    { id: 'b', config: { lr: 0.001, opt: { name: 'sgd' } } },
    { id: 'c', config: { lr: 0.01, opt: { name: 'sgd' } } },
    { id: 'd', config: { lr: 'auto' } },
    { id: 'e', config: {} },
  ];

  test('configValue follows dotted paths and stops at non-objects', () => {
    assert.equal(configValue(runs[0]!.config, 'opt.name'), 'adam');
    assert.equal(configValue(runs[0]!.config, 'lr.x'), undefined);
    assert.equal(configValue(null, 'lr'), undefined);
  });

  test('groups by one key: numbers in numeric order, then strings, then runs without the key', () => {
    const groups = groupRuns(runs, ['lr']);
    assert.deepEqual(
      groups.map((g) => [g.label, g.runs.map((r) => r.id)]),
      [
        ['lr=0.001', ['b']],
        ['lr=0.01', ['a', 'c']],
        ['lr=auto', ['d']],
        ['lr=—', ['e']],
      ],
    );
  });

  test('groups by two keys: one group per distinct pair, labelled in key order', () => {
    const groups = groupRuns(runs.slice(0, 3), ['lr', 'opt.name']);
    assert.deepEqual(
      groups.map((g) => `${g.label}:${g.runs.length}`),
      ['lr=0.001, opt.name=sgd:1', 'lr=0.01, opt.name=adam:1', 'lr=0.01, opt.name=sgd:1'],
    );
  });

  test('group statistics per step: mean, min, max, population std, run count; non-finite values left out', () => {
    const stats = groupStats([
      [
        { step: 0, value: 1 },
        { step: 1, value: 2 },
      ],
      [
        { step: 0, value: 3 },
        { step: 1, value: Number.NaN },
        { step: 2, value: 5 },
      ],
    ]);
    assert.deepEqual(stats, [
      { step: 0, mean: 2, min: 1, max: 3, std: 1, n: 2 },
      { step: 1, mean: 2, min: 2, max: 2, std: 0, n: 1 },
      { step: 2, mean: 5, min: 5, max: 5, std: 0, n: 1 },
    ]);
    assert.deepEqual(bandOf(stats[0]!, 'minmax'), [1, 3]);
    assert.deepEqual(bandOf(stats[0]!, 'std'), [1, 3]);
    assert.deepEqual(groupStats([]), []);
  });

  test('varying paths: differing values first, then keys only some runs have; each alphabetical', () => {
    assert.deepEqual(
      varyingPaths([
        { lr: 0.1, model: 'vgg', seed: 1, extra: true, aug: 'flip' },
        { lr: 0.01, model: 'vgg', seed: 1, dropout: 0.2 },
        { lr: 0.1, model: 'vgg', seed: 1, dropout: 0.5 },
      ]),
      ['dropout', 'lr', 'aug', 'extra'],
    );
    assert.deepEqual(varyingPaths([{ a: [1, 2] }, { a: [1, 2] }]), []);
  });
});

describe('view-state', () => {
  test('lists escape commas and percent signs inside items', () => {
    const items = ['c:lr', 'c:weird,key', 'm:100%'];
    assert.equal(encodeList(items), 'c:lr,c:weird%2Ckey,m:100%25');
    assert.deepEqual(decodeList(encodeList(items)), items);
    assert.deepEqual(decodeList(''), []);
    assert.deepEqual(decodeList(null), []);
  });

  test('URL -> state -> URL round-trips; defaults stay out of the URL', () => {
    const search = viewStateSearch({
      where: 'config.lr < 0.01',
      sort: 'metrics.val_acc:DESC',
      cols: ['c:lr', 'm:val_acc'],
      group: ['lr', 'batch'],
      archived: true,
      chart: 'val_loss',
      band: 'std',
      panels: ['val_acc', 'system/cpu_percent'],
      view: 'v1',
    });
    const state = readViewState(new URLSearchParams(search));
    assert.deepEqual(state, {
      where: 'config.lr < 0.01',
      sort: 'metrics.val_acc:DESC',
      cols: ['c:lr', 'm:val_acc'],
      group: ['lr', 'batch'],
      archived: true,
      chart: 'val_loss',
      band: 'std',
      panels: ['val_acc', 'system/cpu_percent'],
      view: 'v1',
    });
    assert.equal(viewStateSearch(readViewState(new URLSearchParams(''))), '');
    assert.equal(readViewState(new URLSearchParams('')).panels, null, 'no panels: the workspace is closed');
    // No `cols` means "default columns"; an empty `cols` means "no optional columns".
    assert.equal(readViewState(new URLSearchParams('')).cols, null);
    assert.deepEqual(readViewState(new URLSearchParams('cols=')).cols, []);
  });

  test('a saved view stores the settings without its own id, and reading it back ignores junk', () => {
    const state = readViewState(new URLSearchParams('where=x&sort=name:ASC&view=v9'));
    assert.deepEqual(savedStateOf(state), { where: 'x', sort: 'name:ASC' });
    const back = viewStateFromSaved({ where: 'x', sort: 'name:ASC', group: 42, evil: 'y' }, 'v9');
    assert.equal(back.where, 'x');
    assert.deepEqual(back.group, []);
    assert.equal(back.view, 'v9');
    assert.equal(viewStateFromSaved([1, 2], 'v').where, '');
  });
});

describe('metric goals', () => {
  test("the dashboard ranks metrics by the contract's goal inference, the one compareRuns uses", async () => {
    const web = await import('../src/lib/metric-value.ts');
    const contract = await import('@runboard/contract/metric-goal');
    assert.equal(web.inferGoal, contract.inferGoal, 'one function, not a copy that can drift');
    const goals = Object.fromEntries(
      ['loss', 'val_acc', 'val_loss', 'test_acc', 'epoch_seconds', 'images_per_second', 'lr', 'phase', 'epoch'].map(
        (k) => [k, contract.inferGoal(k)],
      ),
    );
    assert.deepEqual(goals, {
      loss: 'MINIMIZE',
      val_acc: 'MAXIMIZE',
      val_loss: 'MINIMIZE',
      test_acc: 'MAXIMIZE',
      epoch_seconds: 'MINIMIZE',
      images_per_second: 'MAXIMIZE',
      lr: null,
      phase: null,
      epoch: null,
    });
  });
});

describe('issue 21 helpers', async () => {
  const { formatNumber, numberStyle } = await import('../src/lib/metric-value.ts');
  const { sortRows } = await import('../src/lib/typed-sort.ts');
  const { parseBlocks, tableCells } = await import('../src/lib/markdown-blocks.ts');
  const { withoutDefaults } = await import('../src/lib/config-schema.ts');
  const { filterCompletions } = await import('../src/lib/filter-complete.ts');

  test('filter completion: fields, config paths, metric keys, aggregates, statuses', () => {
    const config = ['lr', 'augmentation.flip', 'odd key'];
    const metrics = ['val_acc', 'val_loss', 'system/cpu'];
    assert.deepEqual(filterCompletions('conf', config, metrics), [
      'config.lr',
      'config.augmentation.flip',
      'config.`odd key`',
    ]);
    assert.deepEqual(filterCompletions('config.lr < 1 AND metrics.val_', config, metrics), [
      'config.lr < 1 AND metrics.val_acc',
      'config.lr < 1 AND metrics.val_loss',
    ]);
    assert.deepEqual(filterCompletions('max(metrics.val_a', config, metrics), ['max(metrics.val_acc)']);
    assert.deepEqual(filterCompletions('st', config, metrics), ['status', 'startedAt']);
    assert.deepEqual(filterCompletions('status = F', config, metrics), ['status = FINISHED', 'status = FAILED']);
    assert.ok(filterCompletions('(metrics.sys', config, metrics).includes('(metrics.system/cpu'));
  });

  test('a column of numbers is written in one style', () => {
    const lr = [5.37e-5, 0.00495, 0.01];
    const style = numberStyle(lr);
    assert.deepEqual(
      lr.map((v) => formatNumber(v, style)),
      ['5.370e-5', '4.950e-3', '1.000e-2'],
    );
    const plain = [0.5, 0.25, 3, 'NaN'];
    assert.equal(numberStyle(plain), 'auto');
    assert.deepEqual(
      plain.map((v) => formatNumber(v, numberStyle(plain))),
      ['0.5', '0.25', '3', 'NaN'],
    );
    assert.equal(formatNumber(32, 'exp'), '32', 'integers stay integers');
  });

  test('typed sort: numbers numerically, names naturally, missing values last', () => {
    const names = ['s-1', 's-10', 's-11', 's-2', null, 's-3'];
    assert.deepEqual(
      sortRows(names, (n) => n, false),
      ['s-1', 's-2', 's-3', 's-10', 's-11', null],
    );
    const nums = [-1, -10, -11, -2, null, 5];
    assert.deepEqual(
      sortRows(nums, (n) => n, false),
      [-11, -10, -2, -1, 5, null],
    );
    assert.deepEqual(
      sortRows(nums, (n) => n, true),
      [5, -1, -2, -10, -11, null],
    );
  });

  test('markdown pipe tables: cells, escaped pipes, alignment, ragged rows', () => {
    assert.deepEqual(tableCells('| a | b \\| c |'), ['a', 'b | c']);
    const blocks = parseBlocks('Results:\n\n| lr | acc |\n|:---|---:|\n| 1e-3 | 0.91 |\n| 1e-4 |\n\nafter');
    assert.deepEqual(blocks[1], {
      type: 'table',
      align: ['left', 'right'],
      head: ['lr', 'acc'],
      rows: [
        ['1e-3', '0.91'],
        ['1e-4', ''],
      ],
    });
    assert.equal(blocks[2]?.type, 'paragraph');
    assert.equal(parseBlocks('a | b\nnot a delimiter')[0]?.type, 'paragraph');
  });

  test('a launch sends only the keys that differ from the schema defaults', () => {
    const schema = { properties: { lr: { default: 2e-5 }, aug: { default: { flip: false, zoom: 0 } }, data: {} } };
    assert.deepEqual(withoutDefaults({ lr: 2e-5, aug: { zoom: 0, flip: false }, data: 'x' }, schema), { data: 'x' });
    assert.deepEqual(withoutDefaults({ lr: 1e-3, aug: { flip: true, zoom: 0 } }, schema), {
      lr: 1e-3,
      aug: { flip: true, zoom: 0 },
    });
  });
});

test('the Created column states a UTC time, the same on the web server and in any browser', () => {
  assert.equal(utcTime('2026-12-06T14:05:09.123Z'), '2026-12-06 14:05:09 UTC');
  assert.equal(utcTime('2026-12-06T23:30:00+02:00'), '2026-12-06 21:30:00 UTC');
  assert.equal(utcTime('not a date'), 'not a date');
});
