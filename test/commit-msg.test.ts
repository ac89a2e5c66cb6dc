import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script with no declaration file; the test exercises it as the hook runs it.
import { commitMessageProblems } from '../scripts/commit-msg.mjs';

const hook = path.resolve('.githooks/commit-msg');

function runHook(message: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'commit-msg-'));
  const file = path.join(dir, 'COMMIT_EDITMSG');
  writeFileSync(file, message);
  return spawnSync(hook, [file], { encoding: 'utf8' });
}

test('a short subject, a blank line and a body pass', () => {
  assert.deepEqual(commitMessageProblems('Log tail survives a restart\n\nIt ended on the first failed read.\n'), []);
  assert.equal(runHook('Log tail survives a restart\n\nIt ended on the first failed read.\n').status, 0);
});

test('a subject over 72 characters is refused with its length', () => {
  const subject = 'x'.repeat(73);
  assert.deepEqual(commitMessageProblems(`${subject}\n\nwhy`), [
    'the subject is 73 characters; keep it to 72 (say what, not why)',
  ]);
  assert.deepEqual(commitMessageProblems(`${'x'.repeat(72)}\n\nwhy`), []);
  const r = runHook(`${subject}\n\nwhy\n`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /73 characters/);
});

test('a commit without a body, or without the blank line, is refused', () => {
  assert.match(commitMessageProblems('Subject only\n').join(), /no body/);
  assert.match(commitMessageProblems('Subject\nbody on line two\n').join(), /second line must be blank/);
  assert.match(commitMessageProblems('Subject\n\n# only a comment\n').join(), /no body/);
  assert.deepEqual(commitMessageProblems(''), ['the message is empty']);
});

test("git's own merge, revert and fixup messages pass as git writes them", () => {
  assert.deepEqual(commitMessageProblems("Merge branch 'main' into layers\n"), []);
  assert.deepEqual(commitMessageProblems('Revert "Log tail survives a restart"\n\nThis reverts commit abc.\n'), []);
  assert.deepEqual(commitMessageProblems('fixup! Log tail survives a restart\n'), []);
});
