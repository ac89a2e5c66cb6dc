import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * The dashboard reaches its data one way (issue #19): web/src/lib/data/ owns the urql client, the WebSocket, the
 * server-side client and the session endpoint. Everything else imports '@/lib/data' (or './data/server' in server
 * components) and never a transport, and never calls fetch itself.
 */
const SRC = path.resolve(import.meta.dirname, '../src');
const DATA = 'lib/data/';
const TRANSPORTS = new Set(['urql', '@urql/core', 'graphql-ws', 'wonka', '@runboard/client', '@runboard/client/live']);

function sources(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return sources(path.join(dir, e.name), r);
    return /\.tsx?$/.test(e.name) ? [r] : [];
  });
}

/** Imports and calls to a global `fetch` or to `.query(` / `.subscription(` on anything (urql's imperative API). */
function offences(file: string): string[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      const spec = (n.moduleSpecifier as ts.StringLiteral).text;
      if (TRANSPORTS.has(spec)) found.push(`imports ${spec}`);
    }
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      if (ts.isIdentifier(callee) && callee.text === 'fetch') found.push('calls fetch');
      if (ts.isPropertyAccessExpression(callee) && ['query', 'subscription'].includes(callee.name.text))
        found.push(`calls .${callee.name.text}()`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found.map((f) => `${file}: ${f}`);
}

test('only web/src/lib/data imports a transport or fetches', () => {
  const files = sources(SRC).filter((f) => !f.startsWith(DATA) && !f.startsWith('gql/'));
  assert.ok(files.length > 50, `found only ${files.length} files under web/src`);
  assert.deepEqual(files.flatMap(offences), []);
});

test('the data module is where the transports are', () => {
  // Guards the test itself: if the module moved, the check above would pass vacuously.
  const inside = sources(path.join(SRC, DATA)).map((f) => DATA + f);
  const all = inside.flatMap(offences).join('\n');
  for (const spec of ['urql', 'graphql-ws', '@runboard/client/live', '@runboard/client'])
    assert.match(all, new RegExp(`imports ${spec}\\b`));
  assert.match(all, /calls fetch/);
});
