// An agent process (the CLI, as `npm run agent` starts it) with declared entry points, against a real server:
// Python programs launched and swept through GraphQL, their config handed over as data, cancel, and a launch
// for an entry point the agent lacks. Python is Debian's /usr/bin/python3 (python3-torch); the PyTorch script
// logs through the Python client in python/.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '@runboard/test-kit/gql';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { waitFor } from '@runboard/test-kit/wait';

const PYTHON = '/usr/bin/python3';
const REPO = path.resolve(import.meta.dirname, '../..');
// The built-in trainer's command is the protocol stand-in: this file is about declared programs, and the
// stand-in keeps the agent from bundling and warming a VGG16 trainer nobody here launches.
const PROTOCOL = `${process.execPath} --import tsx test/fixtures/protocol-trainer.ts`;
const LABEL = `ep${process.pid}`;

let s: TestServer;
let agent: ChildProcess;
let agentLog = '';
let root: string;
before(async () => {
  // A RUNNING run silent for 8 s is CRASHED: the agent must keep a program's run alive (it renews and heartbeats
  // every lease / 4 = 2.5 s).
  s = await startTestServer({ crashSweepIntervalMs: 1000, heartbeatTimeoutSeconds: 8, leaseSeconds: 10 });
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'rb-entry-')));
  await mkdir(path.join(root, 'tmp')); // the agents' TMPDIR: where their temporary run folders go
  agent = await startAgentProcess(LABEL, ['--gpus', '0,1']);
});

/** The agent CLI with the two Python entry points; resolves once it is online. */
async function startAgentProcess(label: string, more: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'trainers/src/agent/cli.ts', '--server', s.url, '--concurrency', '2', ...more],
      ...['--labels', label, '--grace', '2', '--output-root', path.join(root, 'runs'), '--data-root', root],
      ...['--command', PROTOCOL],
      // Relative paths, as a user types them: the agent makes them absolute (the program runs in its run folder).
      ...['--entry-point', `echo=${PYTHON} test/fixtures/echo-config.py`],
      ...['--entry-point', `torch-train="${PYTHON}" test/fixtures/torch-train.py`],
    ],
    {
      cwd: REPO,
      env: { ...process.env, PYTHONPATH: path.join(REPO, 'python'), TMPDIR: path.join(root, 'tmp') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout!.on('data', (d) => {
    log += d;
    agentLog += d;
  });
  child.stderr!.on('data', (d) => {
    log += d;
    agentLog += d;
  });
  await waitFor(() => /online/.test(log), { timeout: 60_000, what: `the agent online; its log:\n${log}` });
  return child;
}
after(async () => {
  if (agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
  await s.close();
  await rm(root, { recursive: true, force: true });
});

const LAUNCH = `mutation($e: String!, $c: JSON!, $ep: String, $l: [String!]) {
  launchRun(input: { experimentName: $e, config: $c, entryPoint: $ep, labels: $l }) { id name } }`;
const RUN = `query($id: ID!) { run(id: $id) { id name status exitCode errorMessage systemInfo config
  metrics { key count lastStep lastValue } launch { entryPoint waitingForAgent waitingReason agent { name } }
  logs(first: 1000) { lines { stream text } } } }`;
const getRun = async (id: string) => (await s.gql(RUN, { id })).run;
const text = (run: any) => run.logs.lines.map((l: any) => `${l.stream} ${l.text}`).join('\n');
async function ended(id: string, timeout = 120_000) {
  return waitFor(
    async () => {
      const run = await getRun(id);
      return !['QUEUED', 'RUNNING'].includes(run.status) && run;
    },
    { timeout, interval: 300, what: `run ${id} to end; agent log:\n${agentLog}` },
  );
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('an agent runs a declared PyTorch script over a 4-point GRID sweep: every run FINISHED with its metrics', async () => {
  const e = uniqueName('torch-sweep');
  const { launchSweep } = await s.gql(
    `mutation($e: String!, $space: JSON!, $l: [String!]) { launchSweep(input: { experimentName: $e,
       entryPoint: "torch-train", baseConfig: { epochs: 3, batch: 64 }, space: $space, labels: $l,
       method: GRID, maxRuns: 4, parallelism: 2, metric: "acc", goal: MAXIMIZE }) { id runs { id } } }`,
    { e, l: [LABEL], space: { lr: [0.05, 0.2], hidden: [8, 32] } },
  );
  assert.equal(launchSweep.runs.length, 4);
  const runs = [];
  for (const { id } of launchSweep.runs) runs.push(await ended(id, 300_000));
  const points = [];
  for (const run of runs) {
    assert.equal(run.status, 'FINISHED', `${run.name}: ${run.errorMessage}\n${text(run)}\n${agentLog}`);
    const metrics = Object.fromEntries(run.metrics.map((m: any) => [m.key, m]));
    for (const key of ['loss', 'acc']) {
      assert.equal(metrics[key]?.count, 3, `${run.name}: ${key} once per epoch`);
      assert.equal(metrics[key].lastStep, 3);
    }
    assert.ok(metrics.acc.lastValue > 0.6, `${run.name} learned something: acc ${metrics.acc.lastValue}`);
    // What the script printed is the run's log (forwarded as it exits, maybe after it finished the run).
    await waitFor(async () => /STDOUT epoch 3: loss=\d/.test(text(await getRun(run.id))), {
      what: `${run.name}'s last epoch line`,
    });
    assert.equal(run.systemInfo.entryPoint, 'torch-train');
    points.push([run.config.lr, run.config.hidden, run.config.epochs]);
  }
  assert.deepEqual(points.sort(), [
    [0.05, 32, 3],
    [0.05, 8, 3],
    [0.2, 32, 3],
    [0.2, 8, 3],
  ]);
  const { sweep } = await s.gql(`query($id: ID!) { sweep(id: $id) { bestValue bestRun { id } } }`, {
    id: launchSweep.id,
  });
  assert.ok(sweep.bestValue > 0.6, 'the sweep ranks the runs by what the script logged');
});

test('a config holding shell syntax reaches the program as data, through a file and the environment; nothing runs', async () => {
  const marker = path.join(tmpdir(), `rb-pwned-${randomUUID()}`);
  const config = {
    quote: '"; rm -rf /',
    subst: `$(touch ${marker})`,
    backticks: `\`touch ${marker}\``,
    nested: { list: [`; touch ${marker}`, `&& touch ${marker}`, `| touch ${marker}`], unicode: 'ünï' },
  };
  const e = uniqueName('echo');
  const { launchRun } = await s.gql(LAUNCH, { e, c: config, ep: 'echo', l: [LABEL] });
  const run = await ended(launchRun.id);
  assert.equal(run.status, 'FINISHED', `${run.errorMessage}\n${text(run)}`);
  assert.equal(run.exitCode, 0);
  const seenLine = run.logs.lines.find((l: any) => l.text.startsWith('SEEN '));
  assert.ok(seenLine, text(run));
  const seen = JSON.parse(seenLine.text.slice('SEEN '.length));
  assert.deepEqual(seen.config, config, 'the program read exactly the launched config');
  assert.deepEqual(seen.argv, [], 'nothing of the config in argv');
  assert.equal(existsSync(marker), false, 'no shell ran anything');
  assert.equal(seen.env.RUNBOARD_RUN_ID, launchRun.id);
  assert.equal(seen.env.RUNBOARD_API, s.url);
  assert.equal(seen.env.RUNBOARD_SERVER, s.url);
  assert.equal(seen.env.RUNBOARD_ENTRY_POINT, 'echo');
  assert.equal(seen.env.RUNBOARD_EXPERIMENT, e);
  // The agent has GPUs 0 and 1: the program got one, recorded on the run.
  assert.ok(['0', '1'].includes(seen.cuda), `CUDA_VISIBLE_DEVICES=${seen.cuda}`);
  assert.equal(run.systemInfo.gpu, seen.cuda);
  // Its own folder under the output root, named after experiment and run; the config file is gone afterwards.
  assert.equal(seen.cwd, path.join(root, 'runs', e, `${launchRun.name}-${launchRun.id.slice(0, 8)}`));
  assert.equal(seen.env.RUNBOARD_RUN_DIR, seen.cwd);
  assert.equal(existsSync(seen.env.RUNBOARD_CONFIG), false, 'the config file is removed when the program ends');
  assert.equal(run.systemInfo.entryPoint, 'echo');
  assert.equal(run.systemInfo.cwd, seen.cwd);
  assert.deepEqual(run.systemInfo.command, [PYTHON, path.join(REPO, 'test/fixtures/echo-config.py')]);
});

test('a program that exits non-zero without ending its run is FAILED with the tail of its stderr', async () => {
  const stderr = ['Traceback (most recent call last):', '  File "train.py", line 3', 'ValueError: lr must be > 0'];
  const { launchRun } = await s.gql(LAUNCH, {
    e: uniqueName('echo-fail'),
    c: { exit: 3, stderr },
    ep: 'echo',
    l: [LABEL],
  });
  const run = await ended(launchRun.id);
  assert.equal(run.status, 'FAILED');
  assert.equal(run.exitCode, 3);
  assert.equal(run.errorMessage, `${stderr.join('\n')} (exit code 3)`);
});

test('a program that never calls the server stays RUNNING while it lives; cancel stops it: process gone, run CANCELED', async () => {
  const e = uniqueName('echo-cancel');
  const { launchRun } = await s.gql(LAUNCH, { e, c: { sleep: 600 }, ep: 'echo', l: [LABEL] });
  const pidFile = path.join(root, 'runs', e, `${launchRun.name}-${launchRun.id.slice(0, 8)}`, 'pid');
  const pid = await waitFor(async () => existsSync(pidFile) && Number(await readFile(pidFile, 'utf8')), {
    timeout: 60_000,
    what: `the program to start; agent log:\n${agentLog}`,
  });
  assert.ok(alive(pid));
  assert.equal((await getRun(launchRun.id)).status, 'RUNNING', 'the agent started the run for the program');
  await sleep(12_000); // past the 8 s heartbeat timeout: the agent heartbeats for it
  assert.equal((await getRun(launchRun.id)).status, 'RUNNING', 'not CRASHED while its process lives');
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
  const run = await ended(launchRun.id, 60_000);
  assert.equal(run.status, 'CANCELED');
  await waitFor(() => !alive(pid), { timeout: 10_000, what: `pid ${pid} to exit` });
});

test('cancelSweep stops a sweep of a declared program: its running process is gone, no later point starts', async () => {
  const e = uniqueName('echo-sweep-cancel');
  const { launchSweep } = await s.gql(
    `mutation($e: String!, $space: JSON!, $l: [String!]) { launchSweep(input: { experimentName: $e,
       entryPoint: "echo", baseConfig: { sleep: 600 }, space: $space, labels: $l,
       method: GRID, maxRuns: 3, parallelism: 1, metric: "acc", goal: MAXIMIZE }) { id runs { id name } } }`,
    { e, l: [LABEL], space: { x: [1, 2, 3] } },
  );
  const pidFile = (r: { id: string; name: string }) =>
    path.join(root, 'runs', e, `${r.name}-${r.id.slice(0, 8)}`, 'pid');
  // parallelism 1: one point runs, the others wait in the queue
  const [first, pid] = await waitFor(
    async () => {
      for (const r of launchSweep.runs)
        if (existsSync(pidFile(r))) return [r, Number(await readFile(pidFile(r), 'utf8'))];
      return false;
    },
    { timeout: 60_000, what: `a point of the sweep to start; agent log:\n${agentLog}` },
  );
  assert.ok(alive(pid));
  await s.gql(`mutation($id: ID!) { cancelSweep(id: $id) { id } }`, { id: launchSweep.id });
  for (const r of launchSweep.runs) assert.equal((await ended(r.id, 60_000)).status, 'CANCELED', r.name);
  await waitFor(() => !alive(pid), { timeout: 10_000, what: `${first.name}'s pid ${pid} to exit` });
  await sleep(3000); // a point the agent wrongly claimed would have started by now
  for (const r of launchSweep.runs) {
    if (r.id !== first.id) assert.ok(!existsSync(pidFile(r)), `${r.name} never started`);
    assert.equal((await getRun(r.id)).status, 'CANCELED');
  }
});

test('a launch naming an entry point the agent lacks stays QUEUED with the waitingForAgent reason', async () => {
  const { agents } = await s.gql(`{ agents { online labels entryPoints { name command builtin } } }`);
  const me = agents.find((a: any) => a.labels.includes(LABEL));
  assert.ok(me.online);
  assert.deepEqual(
    me.entryPoints.map((p: any) => [p.name, p.builtin]),
    [
      ['vgg16', true],
      ['echo', false],
      ['torch-train', false],
    ],
  );
  assert.deepEqual(me.entryPoints[2].command, [PYTHON, path.join(REPO, 'test/fixtures/torch-train.py')]);
  const { launchRun } = await s.gql(LAUNCH, { e: uniqueName('lacking'), c: {}, ep: 'keras-seed', l: [LABEL] });
  // The agent polls every 0.5 s: give it many chances to take the run.
  await sleep(3000);
  const run = await getRun(launchRun.id);
  assert.equal(run.status, 'QUEUED');
  assert.equal(run.launch.agent, null);
  assert.equal(run.launch.waitingForAgent, true);
  assert.equal(run.launch.waitingReason, 'no online agent has the entry point "keras-seed"');
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
});

test('kill -9 the agent: its program is stopped with it, and the run is requeued (retries 1) for another agent', async (t) => {
  const label = `${LABEL}b`;
  const doomed = await startAgentProcess(label);
  t.after(() => {
    if (doomed.exitCode === null) doomed.kill('SIGKILL');
  });
  const e = uniqueName('echo-orphan');
  const { launchRun } = await s.gql(
    `mutation($e: String!, $l: [String!]) { launchRun(input: { experimentName: $e, entryPoint: "echo",
       config: { sleep: 600 }, labels: $l, retries: 1 }) { id name } }`,
    { e, l: [label] },
  );
  const pidFile = path.join(root, 'runs', e, `${launchRun.name}-${launchRun.id.slice(0, 8)}`, 'pid');
  const pid = await waitFor(async () => existsSync(pidFile) && Number(await readFile(pidFile, 'utf8')), {
    timeout: 60_000,
    what: 'the program to start',
  });
  await rm(pidFile);
  // The run's config lives in the agent's own temporary folder, named with its pid.
  const tempOf = async (agentPid: number) =>
    (await readdir(path.join(root, 'tmp'))).filter((n) => n.startsWith(`runboard-agent-${agentPid}-`));
  const [doomedTemp] = await tempOf(doomed.pid!);
  assert.ok(doomedTemp, 'the agent keeps its run folders under runboard-agent-<pid>-*');
  assert.ok((await readdir(path.join(root, 'tmp', doomedTemp))).some((n) => n.startsWith('run-')));
  doomed.kill('SIGKILL');
  // Its parent-death signal: no orphan keeps running a run that is about to be handed to someone else.
  await waitFor(() => !alive(pid), { timeout: 10_000, what: `the orphaned program (pid ${pid}) to stop` });
  await waitFor(async () => (await getRun(launchRun.id)).status === 'QUEUED', {
    timeout: 40_000,
    what: 'the run requeued after its lease ran out',
  });
  assert.deepEqual(await tempOf(doomed.pid!), [doomedTemp], 'killed with -9, it could not clean up');
  const rescuer = await startAgentProcess(label);
  // The next agent to start removes the folders of agents no longer running (and only those).
  assert.deepEqual(await tempOf(doomed.pid!), []);
  assert.equal((await tempOf(agent.pid!)).length, 1, 'a running agent keeps its folder');
  t.after(async () => {
    rescuer.kill('SIGTERM');
    await new Promise((r) => rescuer.once('exit', r));
  });
  const second = await waitFor(async () => existsSync(pidFile) && Number(await readFile(pidFile, 'utf8')), {
    timeout: 60_000,
    what: 'the program started again by the second agent',
  });
  assert.notEqual(second, pid);
  const { run } = await s.gql(`query($id: ID!) { run(id: $id) { status launch { attempt } } }`, {
    id: launchRun.id,
  });
  assert.deepEqual(run, { status: 'RUNNING', launch: { attempt: 1 } });
  await s.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: launchRun.id });
  await ended(launchRun.id, 60_000);
});
