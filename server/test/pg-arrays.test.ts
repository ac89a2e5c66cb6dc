// The binary array parameters of the ingest statements (metric/pg-arrays.ts) read back as PostgreSQL parses them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { uuidArray } from '../src/modules/metric/pg-arrays.ts';

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
