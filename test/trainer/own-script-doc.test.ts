// docs/own-script.md, followed as written: its train.py saved in a project folder, its agent command line run
// there (plus the test server's address and a label of its own), its launch and sweep mutations sent as they
// are. The client is put on PYTHONPATH (what `pip install ./python` does for an interpreter).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';
import { parseCommandLine } from '@runboard/trainers/testing';

const REPO = path.resolve(import.meta.dirname, '../..');
const doc = await readFile(path.join(REPO, 'docs/own-script.md'), 'utf8');

/** The fenced block whose info string is `info` (e.g. "python file=train.py"). */
function block(info: string): string {
  const m = new RegExp(`\`\`\`${info.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(m, `docs/own-script.md has a \`\`\`${info} block`);
  return m[1]!;
}

let s: TestServer;
let agent: ChildProcess;
let agentLog = '';
let project: string;
before(async () => {
  s = await startTestServer();
  project = await realpath(await mkdtemp(path.join(tmpdir(), 'rb-own-script-')));
  await writeFile(path.join(project, 'train.py'), block('python file=train.py'));
  const words = parseCommandLine(block('sh agent').trim());
  assert.deepEqual(words.slice(0, 4), ['npm', 'run', 'agent', '--']);
  // `npm run agent` is the trainers package's agent script: the CLI under tsx, in the folder it was run from.
  // The built-in trainer's command is a no-op here: nothing launches vgg16, and the agent skips building and
  // warming up a trainer.
  agent = spawn(
    process.execPath,
    [
      ...['--import', import.meta.resolve('tsx'), path.join(REPO, 'trainers/src/agent/cli.ts'), ...words.slice(4)],
      ...['--server', s.url, '--labels', `doc${process.pid}`, '--command', `${process.execPath} --version`],
    ],
    {
      cwd: project,
      env: { ...process.env, PYTHONPATH: path.join(REPO, 'python') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  agent.stdout!.on('data', (d) => (agentLog += d));
  agent.stderr!.on('data', (d) => (agentLog += d));
  await waitFor(() => /online/.test(agentLog), { timeout: 60_000, what: `the agent online:\n${agentLog}` });
});
after(async () => {
  if (agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
  await s.close();
  await rm(project, { recursive: true, force: true });
});

const RUN = `query($id: ID!) { run(id: $id) { status errorMessage config experiment { name }
  metrics { key count lastValue } logs { lines { text } } systemInfo } }`;
async function ended(id: string) {
  return waitFor(
    async () => {
      const { run } = await s.gql(RUN, { id });
      return !['QUEUED', 'RUNNING'].includes(run.status) && run;
    },
    { timeout: 120_000, interval: 300, what: `run ${id} to end; agent log:\n${agentLog}` },
  );
}

test('the agent command line declares fit-line with train.py made absolute', async () => {
  const { agents } = await s.gql(`{ agents { labels entryPoints { name command } } }`);
  const me = agents.find((a: any) => a.labels.includes(`doc${process.pid}`));
  assert.deepEqual(me.entryPoints[1], { name: 'fit-line', command: ['python3', path.join(project, 'train.py')] });
});

test('the launch runs train.py with the launched config: FINISHED, the loss logged every epoch', async () => {
  // The doc's mutation names no labels; the only agent running fit-line is this test's.
  const { launchRun } = await s.gql(block('graphql launch'));
  assert.equal(launchRun.status, 'QUEUED');
  const run = await ended(launchRun.id);
  assert.equal(run.status, 'FINISHED', `${run.errorMessage}\n${agentLog}`);
  assert.deepEqual(run.config, { lr: 0.1, epochs: 30 });
  assert.equal(run.experiment.name, 'fit-line');
  const loss = run.metrics.find((m: any) => m.key === 'loss');
  assert.equal(loss.count, 30, 'epochs came from the launch, not the script default (20)');
  assert.ok(loss.lastValue < 0.05, `it fitted the line: loss ${loss.lastValue}`);
});

test('the sweep runs train.py once per grid point', async () => {
  const { launchSweep } = await s.gql(block('graphql sweep'));
  assert.equal(launchSweep.runs.length, 2);
  const lrs = [];
  for (const { id } of launchSweep.runs) {
    const run = await ended(id);
    assert.equal(run.status, 'FINISHED', `${run.errorMessage}\n${agentLog}`);
    assert.equal(run.metrics.find((m: any) => m.key === 'loss').count, 30);
    lrs.push(run.config.lr);
  }
  assert.deepEqual(lrs.sort(), [0.02, 0.1]);
});
