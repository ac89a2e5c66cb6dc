// The binary array parameters of the ingest statements (metric/pg-arrays.ts) read back as PostgreSQL parses them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { float8Array, int2Array, int4Array, int8Array, uuidArray } from '../src/modules/metric/pg-arrays.ts';

let db: pg.Client;
before(async () => {
  db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
});
after(() => db.end());

test('uuidArray: each element its 16 bytes, repeats and upper case included', async () => {
  const a = '0b7e0f6c-3c1d-4d2a-9f1e-2a3b4c5d6e7f';
  const b = 'F0E1D2C3-B4A5-4968-8776-655443322110';
  const { rows } = await db.query<{ ids: string[] }>('SELECT $1::uuid[]::text[] AS ids', [uuidArray([a, a, b, a])]);
  assert.deepEqual(rows[0]!.ids, [a, a, b.toLowerCase(), a]);
  const empty = await db.query<{ n: number }>('SELECT cardinality($1::uuid[]) AS n', [uuidArray([])]);
  assert.equal(empty.rows[0]!.n, 0);
});

test('uuidArray refuses what is not a uuid rather than send other bytes', () => {
  assert.throws(() => uuidArray(['0b7e0f6c-3c1d-4d2a-9f1e-2a3b4c5d6e7']), RangeError);
  assert.throws(() => uuidArray(['not-a-uuid']), RangeError);
});

test('numeric arrays read back exactly, NULLs and int8 beyond 32 bits included', async () => {
  const floats = [0, -0, 1.5, -2.25e-7, 1e300, Number.NaN, Number.POSITIVE_INFINITY, null, 5e-324];
  const int8s = [0, -1, 2 ** 32 + 5, -(2 ** 40) - 3, Number.MAX_SAFE_INTEGER, null, Number.MIN_SAFE_INTEGER];
  const { rows } = await db.query<{ f: string[]; i8: string[]; i4: number[]; i2: number[] }>(
    'SELECT $1::float8[]::text[] AS f, $2::int8[]::text[] AS i8, $3::int4[] AS i4, $4::int2[] AS i2',
    [
      float8Array(floats),
      int8Array(int8s),
      int4Array([-(2 ** 31), 0, 2 ** 31 - 1, null]),
      int2Array([-32768, 7, 32767]),
    ],
  );
  assert.deepEqual(
    rows[0]!.f.map((x) => (x === null ? null : Number(x))),
    floats.map((x) => (Object.is(x, -0) ? -0 : x)),
  );
  assert.deepEqual(
    rows[0]!.i8,
    int8s.map((x) => (x === null ? null : String(x))),
  );
  assert.deepEqual(rows[0]!.i4, [-(2 ** 31), 0, 2 ** 31 - 1, null]);
  assert.deepEqual(rows[0]!.i2, [-32768, 7, 32767]);
  assert.throws(() => int4Array([2 ** 31]), RangeError);
  assert.throws(() => int2Array([-32769]), RangeError);
  assert.throws(() => int8Array([2 ** 53]), RangeError);
});
