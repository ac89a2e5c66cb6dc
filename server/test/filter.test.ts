import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@runboard/test-kit/db';
import pg from 'pg';
import {
  checkConfigTypes,
  compileFilter,
  compileOrderField,
  configTypeUses,
  FILTER_LIMITS,
  FilterError,
  type FilterNode,
  observeTypesSql,
  parseField,
  parseFilter,
  pathKey,
  SqlParams,
} from '../src/modules/filter/index.ts';

/** Asserts that `fn` throws a FilterError at `position` whose message contains `fragment`. */
function assertFilterError(fn: () => unknown, position: number, fragment: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FilterError, `expected FilterError, got ${String(err)}`);
    assert.equal(err.position, position, `position of: ${err.message}`);
    if (typeof fragment === 'string') assert.ok(err.message.includes(fragment), err.message);
    else assert.match(err.message, fragment);
    return true;
  });
}

/** Compact rendering of an AST, to assert structure/precedence readably. */
function show(n: FilterNode): string {
  switch (n.type) {
    case 'and':
    case 'or':
      return `${n.type}(${n.children.map(show).join(', ')})`;
    case 'not':
      return `not(${show(n.child)})`;
    case 'compare': {
      const v = n.value;
      const lit = v.kind === 'null' ? 'null' : v.kind === 'number' ? v.raw : JSON.stringify(v.value);
      return `${n.field.text}${n.op}${lit}`;
    }
    default:
      return `${n.field.text} ${n.type}`;
  }
}

describe('parser', () => {
  test('precedence: NOT > AND > OR, parentheses override', () => {
    assert.equal(
      show(parseFilter('config.a = 1 OR config.b = 2 AND NOT config.c = 3')),
      'or(config.a=1, and(config.b=2, not(config.c=3)))',
    );
    assert.equal(
      show(parseFilter('(config.a = 1 OR config.b = 2) AND config.c = 3')),
      'and(or(config.a=1, config.b=2), config.c=3)',
    );
    assert.equal(show(parseFilter('NOT NOT config.a = 1')), 'not(not(config.a=1))');
    // chains stay flat (n-ary)
    assert.equal(
      show(parseFilter('config.a=1 and config.b=2 AND config.c=3')),
      'and(config.a=1, config.b=2, config.c=3)',
    );
  });

  test('keywords are case-insensitive', () => {
    assert.equal(
      show(parseFilter('config.a = TRUE and not config.b = False oR config.c = NULL')),
      'or(and(config.a=true, not(config.b=false)), config.c=null)',
    );
    const n = parseFilter('config.batch between 16 And 64');
    assert.equal(n.type, 'between');
    assert.equal(parseFilter('config.seed Exists').type, 'exists');
    assert.equal(parseFilter('tags has "x"').type, 'has');
  });

  test('NOT IN / NOT BETWEEN / NOT EXISTS are sugar for NOT (...)', () => {
    const n = parseFilter('config.size NOT IN (1, 2)');
    assert.equal(n.type, 'not');
    assert.equal(n.type === 'not' && n.child.type, 'in');
    assert.equal(show(parseFilter('config.seed not exists')), 'not(config.seed exists)');
  });

  test('quoted and backticked path segments, metric keys', () => {
    const n = parseFilter('config."a.b".`c/d`.0 = 1');
    assert.ok(n.type === 'compare' && n.field.kind === 'config');
    assert.deepEqual(n.field.path, ['a.b', 'c/d', '0']);

    const m = parseFilter('metrics.`train/loss` < 1 AND metrics."val.acc" > 2 AND metrics.train/loss-x < 3');
    assert.ok(m.type === 'and');
    const keys = m.children.map((c) => (c.type === 'compare' && c.field.kind === 'metric' ? c.field.key : '?'));
    assert.deepEqual(keys, ['train/loss', 'val.acc', 'train/loss-x']);

    const agg = parseFilter('MAX( metrics.val_acc ) > 0.8');
    assert.ok(agg.type === 'compare' && agg.field.kind === 'metric');
    assert.equal(agg.field.aggregate, 'max');
    assert.equal(agg.field.key, 'val_acc');
    const mn = parseFilter('min(metrics.`a b`) < 1');
    assert.ok(
      mn.type === 'compare' && mn.field.kind === 'metric' && mn.field.aggregate === 'min' && mn.field.key === 'a b',
    );
  });

  test('string literals: both quotes and escapes', () => {
    const values = ['"a\\"b"', "'it\\'s'", '"tab\\there"', '"\\u0041\\\\"', `'say "hi"'`].map((lit) => {
      const n = parseFilter(`name = ${lit}`);
      assert.ok(n.type === 'compare' && n.value.kind === 'string');
      return n.value.value;
    });
    assert.deepEqual(values, ['a"b', "it's", 'tab\there', 'A\\', 'say "hi"']);
  });

  test('number literals', () => {
    const raw = ['1e-4', '-3.5', '.5', '42', '1E+3', '-Infinity', 'NaN', 'infinity', '+2'].map((lit) => {
      const n = parseFilter(`metrics.x = ${lit}`);
      assert.ok(n.type === 'compare' && n.value.kind === 'number');
      return [n.value.raw, n.value.value];
    });
    assert.deepEqual(raw, [
      ['1e-4', 1e-4],
      ['-3.5', -3.5],
      ['.5', 0.5],
      ['42', 42],
      ['1E+3', 1000],
      ['-Infinity', -Infinity],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['2', 2],
    ]);
  });

  test('columns: camelCase case-insensitively and snake_case', () => {
    for (const [src, column] of [
      ['createdAt', 'createdAt'],
      ['created_at', 'createdAt'],
      ['STATUS', 'status'],
      ['experiment_id', 'experimentId'],
    ]) {
      const f = parseField(src!);
      assert.ok(f.kind === 'column');
      assert.equal(f.column, column);
    }
  });

  test('syntax errors carry message and position', () => {
    assertFilterError(() => parseFilter('config.a = ('), 11, 'Unexpected "(" at position 11: expected a value');
    assertFilterError(() => parseFilter('(config.a = 1 OR config.b = 2))'), 30, 'Unexpected ")" at position 30');
    assertFilterError(() => parseFilter('(config.a = 1'), 13, 'Unexpected end of input at position 13');
    assertFilterError(() => parseFilter('config.a = "abc'), 11, 'Unterminated string at position 11');
    assertFilterError(() => parseFilter('config.a = 1 AND'), 16, 'end of input');
    assertFilterError(() => parseFilter('config.a = 1 config.b = 2'), 13, 'expected AND, OR or end of input');
    assertFilterError(() => parseFilter('config.a @ 1'), 9, 'Unexpected character "@" at position 9');
    assertFilterError(() => parseFilter('config.a 1'), 9, 'expected an operator');
    assertFilterError(() => parseFilter('foo = 1'), 0, 'Unknown field "foo" at position 0');
    assertFilterError(() => parseFilter('config = 1'), 0, 'needs a path');
    assertFilterError(() => parseFilter('config. = 1'), 7, 'expected a field name after "."');
    assertFilterError(() => parseFilter('metrics.val.acc > 1'), 8, 'metrics."val.acc"');
    assertFilterError(() => parseFilter('min(config.x) > 1'), 4, 'applies only to metrics');
    assertFilterError(() => parseFilter('max(metrics.x > 1'), 14, 'to close max(');
    assertFilterError(() => parseFilter('config.lr < 1e'), 12, 'Invalid number');
    assertFilterError(() => parseFilter('config.a IN ()'), 13, 'expected a value');
    assertFilterError(() => parseFilter('config.a BETWEEN 1 OR 2'), 19, 'AND in BETWEEN');
    assertFilterError(() => parseFilter('config.a = config.b'), 11, 'fields cannot be compared');
    assertFilterError(() => parseFilter('name = "bad \\q"'), 12, 'Invalid escape "\\q" at position 12');
    assertFilterError(() => parseFilter('AND config.a = 1'), 0, 'expected a field, NOT or "("');
    assertFilterError(() => parseFilter('   '), 0, 'Empty filter');
    assertFilterError(() => parseFilter('name.first = "x"'), 4, 'has no sub-fields');
  });

  test('limits: length, predicate count, nesting depth', () => {
    const long = `name = "${'x'.repeat(FILTER_LIMITS.maxLength)}"`;
    assertFilterError(() => parseFilter(long), 4000, 'at most 4000 characters');

    const preds = (n: number) => Array.from({ length: n }, (_, i) => `config.k${i} = ${i}`).join(' OR ');
    assert.doesNotThrow(() => parseFilter(preds(100)));
    const over = preds(101);
    assertFilterError(() => parseFilter(over), over.lastIndexOf('config.k100'), 'at most 100');

    const nest = (n: number) => `${'('.repeat(n)}config.a = 1${')'.repeat(n)}`;
    assert.doesNotThrow(() => parseFilter(nest(20)));
    assertFilterError(() => parseFilter(nest(21)), 20, 'nested too deeply');
    assert.doesNotThrow(() => parseFilter(`${'NOT '.repeat(20)}config.a = 1`));
    assertFilterError(() => parseFilter(`${'NOT '.repeat(21)}config.a = 1`), 80, 'nested too deeply');
    // deep input is rejected by a FilterError, never a stack overflow
    assertFilterError(() => parseFilter(nest(1900)), 20, 'nested too deeply');
  });
});

describe('compiler (no database)', () => {
  test('type and operator errors', () => {
    const c = (s: string) => compileFilter(s, new SqlParams());
    assertFilterError(() => c('name < 3'), 7, 'Cannot compare name with a number at position 7');
    assertFilterError(() => c('tags = "x"'), 5, 'use HAS');
    assertFilterError(() => c('status > RUNNING'), 7, 'Operator > is not supported for status at position 7');
    assertFilterError(() => c('name HAS "x"'), 5, 'HAS only with tags');
    assertFilterError(() => c('config.tags HAS "x"'), 12, 'HAS only with tags');
    assertFilterError(() => c('tags HAS baseline'), 9, 'quote text as "baseline"');
    assertFilterError(
      () => c('status = RUNING'),
      9,
      'Unknown status "RUNING" at position 9: expected one of QUEUED, RUNNING, FINISHED, FAILED, CRASHED, CANCELED',
    );
    assertFilterError(() => c('createdAt > "yesterday"'), 12, 'Invalid timestamp');
    assertFilterError(() => c('createdAt > "2026-02-31"'), 12, 'Invalid timestamp');
    assertFilterError(() => c('createdAt > 5'), 12, 'Cannot compare createdAt with a number');
    assertFilterError(() => c('createdAt ~ "2026"'), 10, 'Operator ~ is not supported');
    assertFilterError(() => c('id = "nope"'), 5, 'Invalid UUID');
    assertFilterError(() => c('config.x ~ 3'), 11, 'Cannot compare config.x with a number');
    assertFilterError(() => c('config.x < true'), 9, 'Operator < is not supported');
    assertFilterError(() => c('config.optimizer = adam'), 19, 'quote text as "adam"');
    assertFilterError(() => c('config.x < NaN'), 11, 'NaN at position 11');
    assertFilterError(() => c('config.x BETWEEN 1 AND "z"'), 23, 'both numbers or both strings');
    assertFilterError(() => c('metrics.loss = "a"'), 15, 'Cannot compare metrics.loss with a string');
    assertFilterError(() => c('metrics.loss = null'), 15, 'NOT metrics.loss EXISTS');
    assertFilterError(() => c('metrics.loss > NaN'), 15, 'NaN at position 15');
    assertFilterError(() => c('metrics.loss ~ "a"'), 13, 'Operator ~ is not supported');
    assertFilterError(() => c('max(metrics.loss) BETWEEN NaN AND 1'), 26, 'NaN');
    assertFilterError(() => c('tags EXISTS'), 5, 'use HAS');
    assertFilterError(() => c('config.x = 1e999'), 11, 'out of range');
  });

  test('IN on config binds the path once', () => {
    const p = new SqlParams();
    const sql = compileFilter('config.a.b IN (1, "x", true, null)', p);
    assert.deepEqual(p.values, ['a', 'b', '1', 'x', 'true']);
    assert.equal(sql.match(/ARRAY\[\$1::text, \$2::text\]/g)?.length, 6);
  });

  test('unicode letters in bare path segments', () => {
    const n = parseFilter('config.größe = 3');
    assert.ok(n.type === 'compare' && n.field.kind === 'config');
    assert.deepEqual(n.field.path, ['größe']);
  });

  test('blank filter compiles to TRUE', () => {
    const p = new SqlParams();
    assert.equal(compileFilter('  \n ', p), 'TRUE');
    assert.deepEqual(p.values, []);
  });

  test('SqlParams numbering continues from start; failures leave params untouched', () => {
    const p = new SqlParams(2);
    assert.equal(p.add('mine'), '$3');
    const sql = compileFilter('name = "a" AND config.b.c = 1', p);
    assert.match(sql, /\$4::text/);
    assert.match(sql, /ARRAY\[\$5::text, \$6::text\]/);
    assert.match(sql, /\$7::numeric/);
    assert.deepEqual(p.values, ['mine', 'a', 'b', 'c', '1']);
    assert.throws(() => compileFilter('name = "ok" AND name < 3', p), FilterError);
    assert.throws(() => compileOrderField('tags', p), FilterError);
    assert.deepEqual(p.values, ['mine', 'a', 'b', 'c', '1']);
    assert.equal(p.add('next'), '$8');
  });

  test('user text never reaches the SQL text', () => {
    const evil = `x'; DROP TABLE runs; --`;
    const p = new SqlParams();
    const sql = compileFilter(
      `name = "${evil}" OR config."${evil}" = 1 OR metrics."${evil}" > 1 OR name ~ "${evil}" OR tags HAS "${evil}"`,
      p,
    );
    assert.ok(!sql.includes('DROP'), sql);
    assert.ok(!sql.includes(evil));
    assert.ok(
      p.values.every((v) => typeof v === 'string'),
      'all bound values are strings',
    );
    const order = compileOrderField(`config."${evil}"`, p);
    assert.ok(!order.sql.includes('DROP'));
  });

  test('order field errors', () => {
    const p = new SqlParams();
    assertFilterError(() => compileOrderField('tags', p), 0, 'Cannot sort on "tags"');
    assertFilterError(() => compileOrderField('name desc', p), 5, 'expected end of the field');
    assertFilterError(() => compileOrderField('', p), 0, 'expected a field');
    assertFilterError(() => compileOrderField('bogus', p), 0, 'Unknown field');
    assertFilterError(() => compileOrderField('metrics.a.b', p), 8, 'contains dots');
    assert.deepEqual(p.values, []);
    assert.deepEqual(compileOrderField(' createdAt ', p), { sql: 'r.created_at', type: 'timestamptz' });
    assert.deepEqual(compileOrderField('status', p), { sql: 'r.status', type: 'RunStatus' });
  });
});

describe('number-vs-string config comparisons (no database)', () => {
  const uses = (src: string) => configTypeUses(parseFilter(src));
  const observed = (entries: [string[], { number: boolean; string: boolean }][]) =>
    new Map(entries.map(([path, seen]) => [pathKey(path), seen]));

  test('collects every config comparison with a number or string literal, in filter order', () => {
    assert.deepEqual(
      uses('config.lr < 0.1 AND (NOT config.opt.name = "adam" OR config.b IN (1, "x")) AND config.c BETWEEN 1 AND 2'),
      [
        { path: ['lr'], field: 'config.lr', type: 'number', position: 12 },
        { path: ['opt', 'name'], field: 'config.opt.name', type: 'string', position: 43 },
        { path: ['b'], field: 'config.b', type: 'number', position: 66 },
        { path: ['b'], field: 'config.b', type: 'string', position: 69 },
        { path: ['c'], field: 'config.c', type: 'number', position: 96 },
        { path: ['c'], field: 'config.c', type: 'number', position: 102 },
      ],
    );
  });

  test('null, booleans, EXISTS, metrics and columns take no part', () => {
    assert.deepEqual(
      uses('config.a = null AND config.b = true AND config.c EXISTS AND metrics.x > 1 AND name ~ "y"'),
      [],
    );
  });

  test('a literal of the type the path never holds, while it holds the other, is an error at the literal', () => {
    const onlyNumbers = observed([[['lr'], { number: true, string: false }]]);
    assertFilterError(
      () => checkConfigTypes(uses('config.lr < "abc"'), onlyNumbers),
      12,
      'Cannot compare config.lr with a string at position 12: config.lr holds numbers',
    );
    const onlyStrings = observed([[['opt'], { number: false, string: true }]]);
    assertFilterError(
      () => checkConfigTypes(uses('config.opt = "a" OR config.opt = 3'), onlyStrings),
      33,
      'config.opt holds strings in these runs; compare with a string',
    );
  });

  test('mixed, absent and non-scalar paths are left alone', () => {
    const seen = observed([
      [['mixed'], { number: true, string: true }],
      [['obj'], { number: false, string: false }],
    ]);
    // Each path on its own, so a checker that refuses any one of them fails here by name.
    for (const filter of ['config.mixed < "a"', 'config.mixed > 1', 'config.obj = 1', 'config.absent = "x"']) {
      assert.doesNotThrow(() => checkConfigTypes(uses(filter), seen), filter);
    }
    // The same map does refuse a path it knows holds only one type: the checker is live, not skipped.
    const withNumbers = observed([
      [['mixed'], { number: true, string: true }],
      [['lr'], { number: true, string: false }],
    ]);
    assert.throws(() => checkConfigTypes(uses('config.mixed < "a" AND config.lr = "x"'), withNumbers), FilterError);
  });

  test('the observing SQL binds every path segment and aggregates to two booleans per path', () => {
    const p = new SqlParams(2);
    const sql = observeTypesSql([['a', "x'; DROP TABLE runs; --"], ['b']], p);
    assert.deepEqual(p.values, ['a', "x'; DROP TABLE runs; --", 'b']);
    assert.ok(!sql.includes('DROP'), sql);
    assert.match(sql, /AS n0, .* AS s0, .* AS n1, .* AS s1$/);
  });
});

describe('against PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO experiments (id, name) VALUES (gen_random_uuid(), 'exp') RETURNING id`,
    );
    const exp = rows[0]!.id;
    const runs: Array<{
      name: string;
      status: string;
      config: unknown;
      tags: string[] | null;
      created: string;
      started?: string;
      notes?: string;
    }> = [
      {
        name: 'sweep-alpha',
        status: 'FINISHED',
        created: '2026-10-15T00:00:00Z',
        started: '2026-10-15T01:00:00Z',
        tags: ['baseline', 'resnet'],
        notes: 'Good run',
        config: {
          lr: 0.00005,
          optimizer: 'adam',
          batch: 32,
          size: 32,
          augment: true,
          seed: 1,
          nested: { depth: { x: 3 } },
          'a.b': { 'c/d': 'weird' },
          layers: [64, 128],
        },
      },
      {
        name: 'Sweep-beta',
        status: 'FAILED',
        created: '2026-11-05T00:00:00Z',
        tags: ['resnet'],
        config: {
          lr: 0.001,
          optimizer: 'rmsprop',
          batch: 64,
          size: 48,
          augment: false,
          nested: { depth: { x: 5 } },
          layers: [32],
        },
      },
      {
        name: 'manual_100%',
        status: 'RUNNING',
        created: '2026-11-20T12:30:00Z',
        started: '2026-11-20T12:31:00Z',
        tags: null,
        config: { lr: '0.001', optimizer: 'sgd', batch: 16, seed: null, nested: 'flat' },
      },
      { name: `x'; DROP TABLE runs; --`, status: 'QUEUED', created: '2026-11-25T00:00:00Z', tags: [], config: {} },
    ];
    for (const r of runs) {
      await client.query(
        `INSERT INTO runs (id, experiment_id, name, status, config, tags, created_at, started_at, notes)
         VALUES (gen_random_uuid(), $1, $2, $3::"RunStatus", $4::jsonb, $5::text[], $6, $7, $8)`,
        [exp, r.name, r.status, JSON.stringify(r.config), r.tags, r.created, r.started ?? null, r.notes ?? ''],
      );
    }
    // A number beyond float precision, which JSON.stringify could not produce.
    await client.query(
      `UPDATE runs SET config = config || '{"big": 12345678901234567890}'::jsonb WHERE name = 'sweep-alpha'`,
    );
    // [run, key, last, min, max]; min/max are NULL when every value was NaN.
    const metrics: Array<[string, string, number, number | null, number | null]> = [
      ['sweep-alpha', 'val_acc', 0.95, 0.5, 0.95],
      ['sweep-alpha', 'val_loss', 0.2, 0.2, 1.0],
      ['sweep-alpha', 'train/loss', 0.3, 0.3, 2.0],
      ['sweep-alpha', 'val.acc', 0.9, 0.1, 0.9],
      ['Sweep-beta', 'val_acc', NaN, 0.3, 0.85],
      ['Sweep-beta', 'val_loss', NaN, 0.25, NaN],
      ['manual_100%', 'val_acc', 0.7, 0.7, 0.7],
      ['manual_100%', 'val_loss', Infinity, 0.4, Infinity],
      ['manual_100%', 'diverged', NaN, null, null],
    ];
    for (const [run, key, last, min, max] of metrics) {
      await client.query(
        `INSERT INTO metric_latest (run_id, key, first_step, last_step, last_value, last_wall_time, min_value, max_value, count)
         SELECT id, $2, 0, 10, $3::float8, now(), $4::float8, $5::float8, 11 FROM runs WHERE name = $1`,
        [run, key, String(last), min === null ? null : String(min), max === null ? null : String(max)],
      );
    }
  });

  after(async () => {
    await client?.end();
    await db?.drop();
  });

  /** Names of the runs matching `where`, sorted. */
  async function match(where: string): Promise<string[]> {
    const params = new SqlParams(1);
    const sql = compileFilter(where, params);
    const { rows } = await client.query<{ name: string }>(
      `SELECT r.name FROM runs r WHERE r.name <> $1 AND ${sql} ORDER BY r.name COLLATE "C"`,
      ['__sentinel__', ...params.values],
    );
    return rows.map((r) => r.name);
  }
  const ALPHA = 'sweep-alpha';
  const BETA = 'Sweep-beta';
  const MANUAL = 'manual_100%';
  const EVIL = `x'; DROP TABLE runs; --`;
  const sorted = (...names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  test('numeric config comparisons are strictly typed', async () => {
    assert.deepEqual(await match('config.lr < 1e-4'), [ALPHA]);
    assert.deepEqual(await match('config.lr = 0.001'), [BETA]); // MANUAL has the string "0.001"
    assert.deepEqual(await match('config.lr = "0.001"'), [MANUAL]);
    assert.deepEqual(await match('config.lr >= 5e-5'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('config.batch BETWEEN 16 AND 32'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('config.batch BETWEEN 33 AND 64'), [BETA]);
    assert.deepEqual(await match('config.size IN (32, 48)'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('config.size = 32.0'), [ALPHA]);
    assert.deepEqual(await match('config.size IN (48, "32", 7)'), [BETA]);
    assert.deepEqual(await match('config.batch > -1e3'), sorted(ALPHA, BETA, MANUAL));
    // compared as exact numerics, not float8: the neighbouring value must not match
    assert.deepEqual(await match('config.big = 12345678901234567890'), [ALPHA]);
    assert.deepEqual(await match('config.big = 12345678901234567891'), []);
    assert.deepEqual(await match('config.big > 1.2345678901234567e19'), [ALPHA]);
  });

  test('!= means present and not equal; NOT includes missing', async () => {
    assert.deepEqual(await match('config.size != 32'), [BETA]);
    assert.deepEqual(await match('NOT config.size = 32'), sorted(BETA, MANUAL, EVIL));
    assert.deepEqual(await match('config.lr != 0.001'), sorted(ALPHA, MANUAL)); // string counts as different
  });

  test('strings, ~ and nested / quoted paths', async () => {
    assert.deepEqual(
      await match(`(config.optimizer = "adam" OR config.optimizer = 'rmsprop') AND NOT status = FAILED`),
      [ALPHA],
    );
    assert.deepEqual(await match('config.optimizer IN ("adam", "sgd")'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('config.optimizer < "b"'), [ALPHA]);
    assert.deepEqual(await match('config.optimizer BETWEEN "r" AND "sgd"'), sorted(BETA, MANUAL));
    assert.deepEqual(await match('config.optimizer ~ "PROP"'), [BETA]);
    assert.deepEqual(await match('config.nested.depth.x > 4'), [BETA]);
    assert.deepEqual(await match('config.nested.depth.x EXISTS'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('config."a.b".`c/d` = "weird"'), [ALPHA]);
    assert.deepEqual(await match('config.layers.0 = 32'), [BETA]);
    assert.deepEqual(await match('config.layers.1 EXISTS'), [ALPHA]);
  });

  test('booleans and null', async () => {
    assert.deepEqual(await match('config.augment = true'), [ALPHA]);
    assert.deepEqual(await match('NOT config.augment = true'), sorted(BETA, MANUAL, EVIL));
    assert.deepEqual(await match('config.augment != true'), [BETA]);
    assert.deepEqual(await match('config.seed = null'), [MANUAL]);
    assert.deepEqual(await match('config.seed != null'), [ALPHA]);
    assert.deepEqual(await match('config.seed EXISTS'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('config.seed NOT EXISTS'), sorted(BETA, EVIL));
  });

  test('name, notes, ~ escapes LIKE wildcards', async () => {
    assert.deepEqual(await match('name ~ "sweep"'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('name ~ "100%"'), [MANUAL]);
    assert.deepEqual(await match('name ~ "_"'), [MANUAL]);
    assert.deepEqual(await match('name ~ "%"'), [MANUAL]);
    assert.deepEqual(await match('notes ~ "good"'), [ALPHA]);
    assert.deepEqual(await match('name IN ("sweep-alpha", "nope")'), [ALPHA]);
  });

  test('tags HAS (including a NULL tags column)', async () => {
    assert.deepEqual(await match('tags HAS "baseline"'), [ALPHA]);
    assert.deepEqual(await match('tags HAS "resnet"'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('NOT tags HAS "resnet"'), sorted(MANUAL, EVIL));
  });

  test('precedence: OR / AND / NOT', async () => {
    assert.deepEqual(await match('status = QUEUED OR status = running AND config.batch = 16'), sorted(MANUAL, EVIL));
    assert.deepEqual(await match('(status = QUEUED OR status = RUNNING) AND config.batch = 64'), []);
    assert.deepEqual(await match('NOT config.batch = 16 AND config.batch EXISTS'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('NOT (config.batch = 16 OR config.batch = 32)'), sorted(BETA, EVIL));
  });

  test('status', async () => {
    assert.deepEqual(await match('status IN (RUNNING, QUEUED)'), sorted(MANUAL, EVIL));
    assert.deepEqual(await match('status != "finished"'), sorted(BETA, MANUAL, EVIL));
    assert.deepEqual(await match('status NOT IN (FAILED)'), sorted(ALPHA, MANUAL, EVIL));
  });

  test('metrics: latest value, NaN excluded from comparisons', async () => {
    assert.deepEqual(await match('metrics.val_acc >= 0.9'), [ALPHA]);
    assert.deepEqual(await match('metrics.val_acc > 0.5'), sorted(ALPHA, MANUAL)); // BETA's NaN must not match
    assert.deepEqual(await match('metrics.val_acc != 0.7'), [ALPHA]);
    assert.deepEqual(await match('metrics.val_acc = NaN'), [BETA]);
    assert.deepEqual(await match('metrics.val_acc != NaN'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('metrics.val_loss > 100'), [MANUAL]); // Infinity is a number
    assert.deepEqual(await match('metrics.val_loss = Infinity'), [MANUAL]);
    assert.deepEqual(await match('metrics.val_loss < -Infinity'), []);
    assert.deepEqual(await match('metrics.val_acc BETWEEN 0 AND Infinity'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('metrics.val_acc IN (0.7, NaN)'), sorted(BETA, MANUAL));
    assert.deepEqual(await match('metrics.`train/loss` < 1'), [ALPHA]);
    assert.deepEqual(await match('metrics.train/loss < 1'), [ALPHA]);
    assert.deepEqual(await match('metrics."val.acc" = 0.9'), [ALPHA]);
    assert.deepEqual(await match('metrics.val_acc EXISTS'), sorted(ALPHA, BETA, MANUAL));
    assert.deepEqual(await match('NOT metrics.val_acc EXISTS'), [EVIL]);
    assert.deepEqual(await match('NOT metrics.val_acc > 0.5'), sorted(BETA, EVIL));
    assert.deepEqual(await match('config.lr < 1e-4 AND metrics.val_acc >= 0.9'), [ALPHA]);
  });

  test('metrics: min() and max()', async () => {
    assert.deepEqual(await match('max(metrics.val_acc) > 0.8'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('min(metrics.val_loss) < 0.3'), sorted(ALPHA, BETA));
    assert.deepEqual(await match('max(metrics.val_loss) > 0.5'), sorted(ALPHA, MANUAL)); // BETA's NaN max excluded
    assert.deepEqual(await match('max(metrics.val_loss) = NaN'), [BETA]);
    assert.deepEqual(await match('min(metrics.diverged) < 1e300'), []);
    assert.deepEqual(await match('metrics.diverged EXISTS'), [MANUAL]);
    assert.deepEqual(await match('min(metrics.diverged) EXISTS'), []);
  });

  test('timestamps', async () => {
    assert.deepEqual(await match('createdAt > "2026-11-01"'), sorted(BETA, MANUAL, EVIL));
    assert.deepEqual(await match('createdAt BETWEEN "2026-11-01" AND "2026-11-20T12:30:00Z"'), sorted(BETA, MANUAL));
    assert.deepEqual(await match('createdAt < "2026-11-20T14:00:00+01:00"'), sorted(ALPHA, BETA, MANUAL));
    assert.deepEqual(await match('createdAt = "2026-11-20 12:30"'), [MANUAL]);
    assert.deepEqual(await match('startedAt EXISTS'), sorted(ALPHA, MANUAL));
    assert.deepEqual(await match('startedAt = null'), sorted(BETA, EVIL));
    assert.deepEqual(await match('NOT startedAt > "2026-11-01"'), sorted(ALPHA, BETA, EVIL));
    assert.deepEqual(await match('finishedAt < "2030-01-01"'), []);
  });

  test('ids', async () => {
    const { rows } = await client.query<{ id: string; experiment_id: string }>(
      `SELECT id, experiment_id FROM runs WHERE name = $1`,
      [ALPHA],
    );
    const { id, experiment_id } = rows[0]!;
    assert.deepEqual(await match(`id = "${id.toUpperCase()}"`), [ALPHA]);
    assert.deepEqual(await match(`id != "${id}" AND experimentId = "${experiment_id}"`), sorted(BETA, MANUAL, EVIL));
  });

  test('SQL injection attempts are plain data', async () => {
    assert.deepEqual(await match(`name = "x'; DROP TABLE runs; --"`), [EVIL]);
    assert.deepEqual(await match(`name = 'x\\'; DROP TABLE runs; --'`), [EVIL]);
    assert.deepEqual(
      await match(`config."x'); DROP TABLE runs; --" EXISTS OR metrics."'; DELETE FROM runs; --" > 0`),
      [],
    );
    assert.deepEqual(await match(`name ~ "s; --"`), [EVIL]);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM runs');
    assert.equal(Number(rows[0]!.n), 4);
  });

  /** Names ordered by a compiled sort key, nulls last, name as tie-breaker. */
  async function orderBy(field: string, dir: 'ASC' | 'DESC'): Promise<string[]> {
    const params = new SqlParams();
    const key = compileOrderField(field, params);
    const { rows } = await client.query<{ name: string }>(
      `SELECT r.name FROM runs r ORDER BY ${key.sql} ${dir} NULLS LAST, r.name COLLATE "C"`,
      params.values,
    );
    return rows.map((r) => r.name);
  }

  test('sorting on config, metrics and columns', async () => {
    assert.equal(compileOrderField('config.batch', new SqlParams()).type, 'jsonb');
    assert.deepEqual(await orderBy('config.batch', 'ASC'), [MANUAL, ALPHA, BETA, EVIL]);
    assert.deepEqual(await orderBy('config.batch', 'DESC'), [BETA, ALPHA, MANUAL, EVIL]);
    // jsonb total order: strings sort before numbers
    assert.deepEqual(await orderBy('config.lr', 'ASC'), [MANUAL, ALPHA, BETA, EVIL]);
    assert.deepEqual(await orderBy('config.nested.depth.x', 'DESC'), [BETA, ALPHA, MANUAL, EVIL]);

    assert.equal(compileOrderField('metrics.val_acc', new SqlParams()).type, 'float8');
    // NaN sorts as NULL (last in both directions)
    assert.deepEqual(await orderBy('metrics.val_acc', 'DESC'), [ALPHA, MANUAL, BETA, EVIL]);
    assert.deepEqual(await orderBy('metrics.val_acc', 'ASC'), [MANUAL, ALPHA, BETA, EVIL]);
    assert.deepEqual(await orderBy('max(metrics.val_acc)', 'ASC'), [MANUAL, BETA, ALPHA, EVIL]);
    assert.deepEqual(await orderBy('min(metrics.val_loss)', 'DESC'), [MANUAL, BETA, ALPHA, EVIL]);
    assert.deepEqual(await orderBy('metrics.`train/loss`', 'ASC'), [ALPHA, BETA, MANUAL, EVIL]);

    assert.deepEqual(await orderBy('status', 'ASC'), [EVIL, MANUAL, ALPHA, BETA]); // enum declaration order
    assert.deepEqual(await orderBy('createdAt', 'DESC'), [EVIL, MANUAL, BETA, ALPHA]);
    assert.deepEqual(await orderBy('startedAt', 'ASC'), [ALPHA, MANUAL, BETA, EVIL]);
  });

  test('sort key type casts cursor values back (keyset pagination)', async () => {
    const params = new SqlParams();
    const key = compileOrderField('config.batch', params);
    const cursor = params.add(JSON.stringify(32));
    const { rows } = await client.query<{ name: string }>(
      `SELECT r.name FROM runs r WHERE ${key.sql} > ${cursor}::${key.type} ORDER BY ${key.sql}`,
      params.values,
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      [BETA],
    );

    const p2 = new SqlParams();
    const st = compileOrderField('status', p2);
    const c2 = p2.add('RUNNING');
    const res = await client.query<{ name: string }>(
      `SELECT r.name FROM runs r WHERE ${st.sql} >= ${c2}::"${st.type}" ORDER BY r.name COLLATE "C"`,
      p2.values,
    );
    assert.deepEqual(
      res.rows.map((r) => r.name),
      sorted(ALPHA, BETA, MANUAL),
    );
  });
});
