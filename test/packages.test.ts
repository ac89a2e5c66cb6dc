import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

/**
 * Packages depend on each other's public entry points, never on source files (issue #19): every package names its
 * entry points in package.json `exports` (no "./*" that makes every file public), no file of a package reaches into
 * another package's folder by a relative path, no root code (end-to-end tests, benchmarks, scripts, examples) reaches
 * into any package's folder, and every `@runboard/<pkg>/<sub>` import anywhere in the repository names an entry point
 * the package declares. A benchmark or script that needs an internal gets a named entry point for it (e.g.
 * `@runboard/server/bench`), not a path.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const PACKAGES = ['client', 'contract', 'server', 'test-kit', 'trainers', 'web'] as const;
/** Root-level code that imports packages by name (tests, benchmarks, scripts, examples). */
const ROOT_DIRS = ['test', 'bench', 'scripts', 'examples'];
const SKIP = new Set(['node_modules', '.next', 'gql', 'generated', 'dist']);

function exportsOf(pkg: string): Record<string, string> {
  const json = JSON.parse(readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8')) as {
    exports?: Record<string, string>;
  };
  return json.exports ?? {};
}

function sources(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * Every module specifier a file imports, exports from, dynamically imports or requires (a regex: parsing 500 files
 * is slow).
 */
const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*['"]([^'"\n]+)['"]/g;
function specifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1]!);
}

/** Problems with one specifier of `file` (which belongs to package `own`, or to the root when null). */
function problems(file: string, own: string | null, spec: string): string[] {
  const rel = path.relative(ROOT, file);
  const named = /^@runboard\/([^/]+)(?:\/(.+))?$/.exec(spec);
  if (named) {
    const [, pkg, sub] = named;
    if (!(PACKAGES as readonly string[]).includes(pkg!)) return [`${rel}: ${spec} is no package of ours`];
    const entry = sub ? `./${sub}` : '.';
    return entry in exportsOf(pkg!) ? [] : [`${rel}: ${spec} is not an entry point of @runboard/${pkg}`];
  }
  if (!spec.startsWith('.')) return [];
  const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
  if (own && !target.startsWith(`${own}/`)) return [`${rel}: ${spec} leaves ${own}/ (import @runboard/<pkg> instead)`];
  // Root code (e2e tests, benchmarks, scripts) is outside every package: any relative path into one is a reach-in.
  if (!own && PACKAGES.some((pkg) => target.startsWith(`${pkg}/`)))
    return [`${rel}: ${spec} reaches into ${target.split('/')[0]}/ (import @runboard/<pkg> instead)`];
  return [];
}

test('every package declares its entry points, none of them a wildcard', () => {
  for (const pkg of PACKAGES) {
    const entries = Object.keys(exportsOf(pkg));
    assert.ok(entries.length > 0, `${pkg} has no exports`);
    for (const e of entries) assert.ok(!e.includes('*'), `${pkg}/package.json exports ${e}`);
  }
});

test('packages import each other through entry points only', () => {
  const found: string[] = [];
  for (const pkg of PACKAGES)
    for (const file of sources(path.join(ROOT, pkg)))
      for (const spec of specifiers(file)) found.push(...problems(file, pkg, spec));
  for (const dir of ROOT_DIRS)
    for (const file of sources(path.join(ROOT, dir)))
      for (const spec of specifiers(file)) found.push(...problems(file, null, spec));
  assert.deepEqual(found, []);
});

test('the check sees imports it must refuse', () => {
  // Guards the checks above against passing vacuously.
  const server = path.join(ROOT, 'server/src/x.ts');
  assert.equal(problems(server, 'server', '../../trainers/src/config.ts').length, 1);
  assert.equal(problems(server, 'server', '../core/errors.ts').length, 0);
  assert.equal(problems(server, 'server', '@runboard/contract/ids').length, 0);
  assert.equal(problems(server, 'server', '@runboard/trainers/agent/agent').length, 1);
  const e2e = path.join(ROOT, 'test/trainer/x.test.ts');
  assert.equal(problems(e2e, null, '../../trainers/src/train/trainer.ts').length, 1);
  assert.equal(problems(e2e, null, '../../web/start.ts').length, 1);
  assert.equal(problems(e2e, null, '../fixtures/protocol-trainer.ts').length, 0);
  assert.equal(problems(e2e, null, '@runboard/trainers/testing').length, 0);
  const bench = path.join(ROOT, 'bench/lib/x.ts');
  assert.equal(problems(bench, null, '../../server/src/db/migrate.ts').length, 1);
  assert.equal(problems(bench, null, './stats.ts').length, 0);
  assert.equal(problems(bench, null, '@runboard/server/bench').length, 0);
  assert.ok(sources(path.join(ROOT, 'server')).length > 50);
  assert.ok(specifiers(path.join(ROOT, 'server/src/testing.ts')).includes('./db/embedded.ts'));
});
