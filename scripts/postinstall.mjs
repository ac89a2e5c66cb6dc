// After `npm install`: point git at the repository's hooks, and generate the Prisma client into
// server/src/generated/prisma (`npm run prisma:generate`). Generation is skipped when the Prisma CLI is not
// installed (`npm ci -w @runboard/trainers` for an agent image, or `--omit=dev`): only the server needs the
// client, and nothing else imports it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// In a git checkout, commits go through the repository's message rule (.githooks/commit-msg). A hooks path the
// developer set on purpose is left alone.
if (existsSync('.git') && existsSync('.githooks/commit-msg')) {
  const current = spawnSync('git', ['config', '--get', 'core.hooksPath'], { encoding: 'utf8' });
  if (current.status !== 0 || current.stdout.trim() === '') {
    spawnSync('git', ['config', 'core.hooksPath', '.githooks'], { stdio: 'inherit' });
  }
}

if (!existsSync('node_modules/prisma/package.json') || !existsSync('server/package.json')) {
  console.log('runboard: Prisma CLI not installed here; skipping client generation (not needed without the server)');
  process.exit(0);
}
const r = spawnSync('npm', ['run', '-s', 'prisma:generate'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
