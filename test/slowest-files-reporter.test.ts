// `npm test` lists its slowest files through scripts/slowest-files-reporter.mjs; this runs that reporter on a
// real node:test run of two files of known length, with --test-force-exit as npm test runs it (which drops what
// a reporter prints at the end), and checks the report names them, slowest first, with their times.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs reporter with no declaration file.
import { slowestFilesReport } from '../scripts/slowest-files-reporter.mjs';

test('the reporter records each test file once; the report lists the slowest first, with its wall time', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slowest-'));
  const file = (name: string, ms: number) => {
    const p = path.join(dir, name);
    writeFileSync(
      p,
      `import { test } from 'node:test';\n` +
        `test('a', () => new Promise((r) => setTimeout(r, ${ms})));\ntest('b', () => {});\n`,
    );
    return p;
  };
  const quick = file('quick.test.mjs', 10);
  const slow = file('slow.test.mjs', 1200);
  const out = path.join(dir, 'times.tsv');
  const reporter = path.resolve('scripts/slowest-files-reporter.mjs');
  const r = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-force-exit', `--test-reporter=${reporter}`, quick, slow],
    // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subtest reporting to this one.
    { encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: undefined, SLOWEST_FILES_OUT: out } },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = (slowestFilesReport(readFileSync(out, 'utf8')) as string).split('\n');
  assert.match(lines[0]!, /^slowest test files \(of 2, \d+ s in all\):$/);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[1]!, /slow\.test\.mjs$/);
  assert.match(lines[2]!, /quick\.test\.mjs$/);
  const seconds = (line: string) => Number(/^\s*([\d.]+) s/.exec(line)?.[1]);
  assert.ok(seconds(lines[1]!) >= 1.2, lines[1]);
  assert.ok(seconds(lines[2]!) < seconds(lines[1]!), lines.join('\n'));
});
