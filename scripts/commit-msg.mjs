// The repository's commit-message rule, run by .githooks/commit-msg (npm install points git at that folder):
// a subject of at most 72 characters that says what changed, a blank line, and a body that says why (the cause,
// the measurement, the test that failed first). Git's own messages (merges, reverts, fixup!/squash!) pass as they are.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const SUBJECT_MAX = 72;

/** The problems with a commit message, empty when it follows the rule. Comment lines (#) are ignored, as git does. */
export function commitMessageProblems(message) {
  const lines = message
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.trimEnd());
  while (lines.length && lines[0] === '') lines.shift();
  const subject = lines[0] ?? '';
  if (/^(Merge |Revert "|fixup! |squash! |amend! )/.test(subject)) return [];
  const problems = [];
  if (!subject) return ['the message is empty'];
  if (subject.length > SUBJECT_MAX)
    problems.push(`the subject is ${subject.length} characters; keep it to ${SUBJECT_MAX} (say what, not why)`);
  if (lines.length > 1 && lines[1] !== '')
    problems.push('the second line must be blank (it separates subject and body)');
  const body = lines.slice(2).filter((l) => l.trim() !== '');
  if (body.length === 0) problems.push('there is no body: say why (the cause, the measurement, the test that failed)');
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/commit-msg.mjs <message-file>');
    process.exit(2);
  }
  const problems = commitMessageProblems(readFileSync(file, 'utf8'));
  if (problems.length) {
    console.error(`commit message refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
}
