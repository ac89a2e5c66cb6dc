// Launch configs come from whoever may launch runs: every path in them must stay inside the agent's
// data roots (inputs) or output root (everything written), names must not become `..` segments, and
// no error may describe a folder outside the roots. Unit checks of resolveInRoots on a real file
// system, then the whole path: launchRun -> real server -> agent -> a trainer stand-in.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { Agent } from '../src/agent/agent.ts';
import { PathConfinementError, resolveInRoots, sanitiseSegment } from '../src/agent/path-confinement.ts';

const ECHO = [process.execPath, '--import', 'tsx', 'trainers/test/fixtures/config-echo-trainer.ts'];
let base: string;
let data: string;
let outside: string;
let output: string;
let s: TestServer;
let agent: Agent;

before(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'rb-paths-')));
  data = path.join(base, 'data');
  outside = path.join(base, 'secret');
  output = path.join(base, 'runs');
  await mkdir(path.join(data, 'train', 'cats'), { recursive: true });
  await mkdir(path.join(outside, 'top-secret-class'), { recursive: true });
  await writeFile(path.join(outside, 'passwords.txt'), 'x');
  await symlink(outside, path.join(data, 'leak')); // a symlink inside the root that leads out of it
  await symlink(path.join(data, 'train'), path.join(data, 'alias')); // one that stays inside
  s = await startTestServer();
  agent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: [],
    labels: [],
    command: ECHO,
    pollMs: 100,
    dataRoots: [data],
    outputRoot: output,
    log: () => {},
  });
  await agent.start();
  await s.gql(`mutation { createExperiment(input: { name: "paths" }) { id } }`);
  await s.gql(`mutation { createExperiment(input: { name: "../../../../tmp/x" }) { id } }`);
});
after(async () => {
  await agent.stop(true);
  await s.close();
  await rm(base, { recursive: true, force: true });
});

async function refused(p: string, roots = [data]): Promise<PathConfinementError> {
  const err = await resolveInRoots(p, roots, 'train').then(
    (r) => assert.fail(`${p} resolved to ${r}`),
    (e) => e,
  );
  assert.ok(err instanceof PathConfinementError, String(err));
  return err;
}

test('resolveInRoots keeps paths inside the roots and follows symlinks before deciding', async () => {
  assert.equal(await resolveInRoots('train', [data]), path.join(data, 'train'), 'relative to a root');
  assert.equal(await resolveInRoots(path.join(data, 'train'), [data]), path.join(data, 'train'), 'absolute inside');
  assert.equal(await resolveInRoots('alias/cats', [data]), path.join(data, 'train', 'cats'), 'symlink inside');
  assert.equal(await resolveInRoots('not-yet/made', [data]), path.join(data, 'not-yet', 'made'), 'may not exist yet');
  const second = path.join(base, 'more');
  await mkdir(path.join(second, 'val'), { recursive: true });
  assert.equal(await resolveInRoots('val', [data, second]), path.join(second, 'val'), 'first root where it exists');
  for (const p of [
    '../secret',
    'train/../../secret',
    outside,
    '/usr/share',
    '/root',
    'leak',
    'leak/top-secret-class',
  ]) {
    const err = await refused(p);
    assert.match(err.message, /outside the agent's allowed folders/);
    const beyondInput = err.message.replace(JSON.stringify(p), '');
    assert.doesNotMatch(beyondInput, /secret|passwords/, 'nothing outside the roots is named or listed');
  }
  await refused('train\0/x');
  await refused('');
});

test('sanitiseSegment turns any name into one harmless path segment', () => {
  assert.equal(sanitiseSegment('../../../../tmp/x'), 'tmp_x');
  assert.equal(sanitiseSegment('..'), 'unnamed');
  assert.equal(sanitiseSegment('/'), 'unnamed');
  assert.equal(sanitiseSegment('.hidden'), 'hidden');
  assert.equal(sanitiseSegment('v1.2'), 'v1.2');
  assert.equal(sanitiseSegment('a\0b\nc'), 'a_b_c');
  assert.equal(sanitiseSegment('Kätzchen-猫'), 'Kätzchen-猫');
  assert.ok(sanitiseSegment('x'.repeat(500)).length <= 100);
});

const LAUNCH = `mutation($e: String!, $c: JSON!, $n: String) { launchRun(input: { experimentName: $e, config: $c, name: $n }) { id } }`;
async function launchAndWait(experiment: string, config: Record<string, unknown>, name?: string) {
  const { launchRun } = await s.gql(LAUNCH, { e: experiment, c: config, n: name });
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
    const { run } = await s.gql(`query($id: ID!) { run(id: $id) { status errorMessage logs { lines { text } } } }`, {
      id: launchRun.id,
    });
    if (!['QUEUED', 'RUNNING'].includes(run.status)) return run;
  }
  throw new Error('run did not end');
}
const echoedConfig = (run: any) =>
  JSON.parse(run.logs.lines.find((l: any) => l.text.startsWith('CONFIG ')).text.slice(7));

test('a launch naming folders outside the data roots is refused before any process starts', async () => {
  for (const config of [
    { train: '/usr/share', val: '/root' },
    { train: 'train', val: outside },
    { train: 'train', val: 'leak' },
    { train: '../secret', val: 'train' },
    { train: 'train', val: 'train', weights: path.join(outside, 'passwords.txt') },
  ]) {
    const run = await launchAndWait('paths', config);
    assert.equal(run.status, 'FAILED', JSON.stringify(config));
    assert.match(run.errorMessage, /refused by the agent: .*outside the agent's allowed folders/);
    assert.doesNotMatch(run.errorMessage, /top-secret-class|passwords\.txt(?!")/);
    assert.equal(run.logs.lines.length, 0, 'no trainer ran');
  }
  const out = await launchAndWait('paths', { train: 'train', val: 'train', output: '/tmp/any/dir' });
  assert.equal(out.status, 'FAILED');
  assert.match(out.errorMessage, /output: .*outside/);
});

test('inputs resolve to real paths in the data roots; everything written goes under the output root', async () => {
  const run = await launchAndWait('../../../../tmp/x', { train: 'train', val: 'alias', cacheDir: 'cache' }, '../evil');
  assert.equal(run.status, 'FINISHED', run.errorMessage);
  const cfg = echoedConfig(run);
  assert.equal(cfg.train, path.join(data, 'train'));
  assert.equal(cfg.val, path.join(data, 'train'), 'the symlink is resolved');
  assert.equal(cfg.experiment, '../../../../tmp/x', 'the trainer still reports under the real experiment name');
  for (const key of ['output', 'cacheDir', 'journal'])
    assert.ok(cfg[key].startsWith(`${output}${path.sep}`), `${key}: ${cfg[key]}`);
  assert.match(path.relative(output, cfg.output), /^tmp_x[/\\]evil-[0-9a-f]{8}$/);
  assert.equal(cfg.server, undefined);
  assert.equal(cfg.apiKey, undefined);
});
