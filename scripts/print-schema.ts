// Writes the server's schema as SDL to contract/schema.graphql (the committed contract web/ and trainers/ are
// generated from). `--check` exits 1 when the committed file differs, which is how CI catches drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildSchema } from '@runboard/server/admin';
import { lexicographicSortSchema, printSchema } from 'graphql';

const file = new URL('../contract/schema.graphql', import.meta.url);
const header = '# Generated from server/src/modules/*/schema.ts by `npm run schema:print`. Do not edit.\n\n';
const sdl = `${header + printSchema(lexicographicSortSchema(buildSchema()))}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== sdl) {
    console.error('contract/schema.graphql is out of date: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('contract/schema.graphql is up to date');
} else {
  writeFileSync(file, sdl);
  console.log('wrote contract/schema.graphql');
}
