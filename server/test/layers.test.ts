import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * The server's layers, lowest first (docs/architecture.md has the map). A file may import its own layer and
 * the layers listed for it, never one above:
 *
 *   config, core  ->  db (+ the generated Prisma client)  ->  pubsub  ->  modules  ->  api, jobs  ->  http  ->  entry points
 *
 * - core: errors, validation, scalars, the database error mapping. Imports nothing of ours.
 * - db: the pool, transactions, migrations. pubsub: NOTIFY topics, the LISTEN connection, the stream helpers.
 * - modules: one folder per domain, each with its store.ts (all of its SQL), services, resolvers and streams.
 *   Modules use core, db, pubsub and each other, never api or http.
 * - api assembles the modules (schema, access table, limits, context); jobs run module services on timers.
 * - http serves api and jobs; boot.ts, main.ts and index.ts start it all.
 */
const ALLOWED: Record<string, readonly string[]> = {
  config: [],
  core: [],
  generated: [],
  db: ['core', 'config', 'generated'],
  pubsub: ['core', 'config', 'db', 'generated'],
  modules: ['core', 'config', 'db', 'generated', 'pubsub'],
  jobs: ['core', 'config', 'db', 'generated', 'pubsub', 'modules'],
  api: ['core', 'config', 'db', 'generated', 'pubsub', 'modules'],
  http: ['core', 'config', 'db', 'generated', 'pubsub', 'modules', 'jobs', 'api'],
  '(entry)': ['core', 'config', 'db', 'generated', 'pubsub', 'modules', 'jobs', 'api', 'http'],
};

/** Files outside store.ts that may hold SQL statements: migrations and creating the database itself. */
const SQL_OUTSIDE_STORES = new Set(['db/migrate.ts', 'db/embedded.ts']);

/** The statements the grep looks for; "IS NOT DISTINCT FROM" is an operator, not a FROM clause. */
const SQL = /(?<!DISTINCT )\bFROM\s|\bINSERT INTO\b|\bUPDATE\s|\bDELETE FROM\b/;

const SRC = path.resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const files = sourceFiles(SRC).map((full) => {
  const rel = path.relative(SRC, full).split(path.sep).join('/');
  const text = readFileSync(full, 'utf8');
  return { full, rel, source: ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true) };
});

function layerOf(rel: string): string {
  const top = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '(entry)';
  assert.ok(
    top in ALLOWED,
    `${rel}: folder "${top}" is in no layer; add it to ALLOWED here and to docs/architecture.md`,
  );
  return top;
}

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((child) => visit(child, fn));
}

/** Relative import and export specifiers, static or dynamic, with whether the import is types only. */
function importsOf(source: ts.SourceFile): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  visit(source, (n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      const spec = (n.moduleSpecifier as ts.StringLiteral).text;
      const typeOnly = ts.isImportDeclaration(n) ? Boolean(n.importClause?.isTypeOnly) : n.isTypeOnly;
      out.push({ spec, typeOnly });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      if (arg && ts.isStringLiteral(arg)) out.push({ spec: arg.text, typeOnly: false });
    }
  });
  return out.filter((i) => i.spec.startsWith('.'));
}

/** The text of every string and template literal (comments and identifiers are not SQL). */
function literalsOf(source: ts.SourceFile): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  visit(source, (n) => {
    if (
      ts.isStringLiteral(n) ||
      ts.isNoSubstitutionTemplateLiteral(n) ||
      ts.isTemplateHead(n) ||
      ts.isTemplateMiddle(n) ||
      ts.isTemplateTail(n)
    ) {
      out.push({ text: n.text, line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
    }
  });
  return out;
}

test('SQL statements appear in server/src only in store.ts files (and migrations)', () => {
  const stray: string[] = [];
  for (const f of files) {
    if (f.rel.startsWith('generated/') || path.basename(f.rel) === 'store.ts' || SQL_OUTSIDE_STORES.has(f.rel))
      continue;
    for (const lit of literalsOf(f.source))
      if (SQL.test(lit.text)) stray.push(`${f.rel}:${lit.line}: ${lit.text.trim().slice(0, 80)}`);
  }
  assert.deepEqual(stray, [], 'move these statements into the module’s store.ts');
  // The check sees what it should: the stores do hold SQL.
  assert.ok(files.some((f) => f.rel === 'modules/run/store.ts' && literalsOf(f.source).some((l) => SQL.test(l.text))));
});

test('no import points from a lower layer up', () => {
  const upward: string[] = [];
  for (const f of files) {
    const from = layerOf(f.rel);
    for (const { spec } of importsOf(f.source)) {
      const target = path
        .relative(SRC, path.resolve(path.dirname(f.full), spec))
        .split(path.sep)
        .join('/');
      assert.ok(!target.startsWith('..'), `${f.rel} imports ${spec}, outside server/src`);
      const to = layerOf(target);
      if (to !== from && !ALLOWED[from]!.includes(to)) upward.push(`${f.rel} (${from}) imports ${target} (${to})`);
    }
  }
  assert.deepEqual(upward, []);
  assert.ok(files.length > 50, `found only ${files.length} files under ${SRC}`);
});

test('resolvers only call services: no pool, no store functions', () => {
  const leaks: string[] = [];
  for (const f of files.filter((f) => f.rel.startsWith('modules/') && f.rel.endsWith('/resolvers.ts'))) {
    const text = f.source.getFullText();
    if (/\bservices\.db\b|\bpool\b/.test(text)) leaks.push(`${f.rel} reaches the database pool`);
    for (const i of importsOf(f.source))
      if (!i.typeOnly && /(^|\/)store\.ts$/.test(i.spec)) leaks.push(`${f.rel} calls ${i.spec} directly`);
  }
  assert.deepEqual(leaks, []);
});
