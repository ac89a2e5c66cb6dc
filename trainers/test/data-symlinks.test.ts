// Symlinks below a confined data folder (issue #20): `ds` is inside the data root, but `ds/train` (or a class
// folder, or one image, at any depth) links outside it. The agent refuses the run before any trainer starts,
// with an error that names the entry by its place under the launch's folder and nothing of what lies outside.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, open, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { Agent } from '../src/agent/agent.ts';
import { PathConfinementError } from '../src/agent/path-confinement.ts';
import { assertTreeInRoots } from '../src/data/confine-tree.ts';
import { assertOpenedInRoots, dataRootsFromEnv, loadImages, scanFolder } from '../src/data/folder-dataset.ts';

const ECHO = [process.execPath, '--import', 'tsx', 'trainers/test/fixtures/config-echo-trainer.ts'];
let base: string;
let data: string;
let outside: string;

/** A class-per-folder data set: ds/{train,validation}/{cats,dogs}/a.png. */
async function dataset(dir: string) {
  for (const split of ['train', 'validation'])
    for (const c of ['cats', 'dogs']) {
      await mkdir(path.join(dir, split, c), { recursive: true });
      await writeFile(path.join(dir, split, c, 'a.png'), 'not really a png');
    }
}

before(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'rb-links-')));
  data = path.join(base, 'data');
  outside = path.join(base, 'outside-secret');
  await mkdir(path.join(outside, 'top-secret-class'), { recursive: true });
  await writeFile(path.join(outside, 'top-secret-class', 'shadow.png'), 'x');
  await writeFile(path.join(outside, 'passwords.png'), 'x');
  await dataset(path.join(data, 'clean'));
  // ds/train itself leads out.
  await dataset(path.join(data, 'top'));
  await rm(path.join(data, 'top', 'train'), { recursive: true });
  await symlink(outside, path.join(data, 'top', 'train'));
  // A class folder leads out.
  await dataset(path.join(data, 'class'));
  await symlink(path.join(outside, 'top-secret-class'), path.join(data, 'class', 'train', 'birds'));
  // One image, two folders down, leads out.
  await dataset(path.join(data, 'deep'));
  await mkdir(path.join(data, 'deep', 'train', 'cats', 'more'), { recursive: true });
  await symlink(path.join(outside, 'passwords.png'), path.join(data, 'deep', 'train', 'cats', 'more', 'p.png'));
  // Links that stay inside are fine, and a loop inside the root ends.
  await dataset(path.join(data, 'inner'));
  await symlink(path.join(data, 'clean', 'train', 'cats'), path.join(data, 'inner', 'train', 'lions'));
  await symlink(path.join(data, 'inner', 'train'), path.join(data, 'inner', 'train', 'dogs', 'loop'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refusal(dir: string, shown: string): Promise<PathConfinementError> {
  const err = await assertTreeInRoots(dir, [data], shown).then(
    () => assert.fail(`${shown} was accepted`),
    (e) => e,
  );
  assert.ok(err instanceof PathConfinementError, String(err));
  assert.doesNotMatch(err.message, /outside-secret|top-secret-class|passwords|shadow/, 'names nothing outside');
  return err;
}

test('a link out of the data root anywhere below the folder is refused, naming only the entry', async () => {
  assert.match((await refusal(path.join(data, 'top', 'train'), 'top/train')).message, /^top\/train: .*outside/);
  assert.match((await refusal(path.join(data, 'class', 'train'), 'class/train')).message, /^class\/train\/birds: /);
  assert.match(
    (await refusal(path.join(data, 'deep', 'train'), 'deep/train')).message,
    /^deep\/train\/cats\/more\/p\.png: /,
  );
  await assertTreeInRoots(path.join(data, 'clean', 'train'), [data], 'clean/train');
  await assertTreeInRoots(path.join(data, 'inner', 'train'), [data], 'inner/train');
});

test('the trainer, given the roots, scans confined and resolves each image again as it reads it', async () => {
  assert.deepEqual(dataRootsFromEnv({ RUNBOARD_DATA_ROOTS: JSON.stringify([data]) }), [data]);
  assert.equal(dataRootsFromEnv({}), undefined);
  await assert.rejects(scanFolder(path.join(data, 'deep', 'train'), undefined, [data]), PathConfinementError);
  // Checked at scan time, then one image is swapped for a link out before it is read: the read refuses it.
  const swap = path.join(data, 'swap');
  await cp(path.join(data, 'clean'), swap, { recursive: true });
  const ds = await scanFolder(path.join(swap, 'train'), undefined, [data]);
  await rm(path.join(swap, 'train', 'cats', 'a.png'));
  await symlink(path.join(outside, 'passwords.png'), path.join(swap, 'train', 'cats', 'a.png'));
  const err = await loadImages(ds, 8, 'nearest', 1, false).then(
    () => assert.fail('the swapped link was read'),
    (e) => e,
  );
  assert.ok(err instanceof PathConfinementError, String(err));
  assert.doesNotMatch(err.message, /outside-secret|passwords/);
  // Run by hand (no roots), the trainer reads what it is given.
  const free = await scanFolder(path.join(swap, 'train'));
  assert.equal(free.roots, undefined);
});

test('a class folder swapped for a link out around the open is refused: the opened file is checked', async () => {
  // Node has no openat: the race is between resolving a name and opening it. Both sides of it, made by hand.
  const race = path.join(data, 'race');
  await cp(path.join(data, 'clean'), race, { recursive: true });
  const cats = path.join(race, 'train', 'cats');
  const file = path.join(cats, 'a.png');
  await mkdir(path.join(outside, 'cats'), { recursive: true });
  await writeFile(path.join(outside, 'cats', 'a.png'), 'outside');
  // 1. The folder is swapped for a link out just before the open, and back just after: the name resolves inside
  //    again when it is checked, but what was opened is the outside file.
  await rename(cats, `${cats}.real`);
  await symlink(path.join(outside, 'cats'), cats);
  const handle = await open(file, 'r');
  await rm(cats);
  await rename(`${cats}.real`, cats);
  try {
    const err = await assertOpenedInRoots(handle, file, [data]).then(
      () => assert.fail('the file opened through the swapped folder was accepted'),
      (e) => e,
    );
    assert.ok(err instanceof PathConfinementError, String(err));
    assert.doesNotMatch(err.message, /outside-secret/);
  } finally {
    await handle.close();
  }
  // 2. Unswapped, the same file opens and passes.
  const fine = await open(file, 'r');
  try {
    await assertOpenedInRoots(fine, file, [data]);
  } finally {
    await fine.close();
  }
  // 3. Swapped after the scan and left so: the trainer's read refuses it.
  const ds = await scanFolder(path.join(race, 'train'), undefined, [data]);
  await rename(cats, `${cats}.real`);
  await symlink(path.join(outside, 'cats'), cats);
  await assert.rejects(loadImages(ds, 8, 'nearest', 1, false), PathConfinementError);
});

test('the agent refuses a launch whose data folder links out, before any trainer starts', async () => {
  const s: TestServer = await startTestServer();
  const agent = new Agent({
    server: s.url,
    concurrency: 1,
    gpus: [],
    labels: [],
    command: ECHO,
    prepare: true,
    pollMs: 100,
    dataRoots: [data],
    outputRoot: path.join(base, 'runs'),
    log: () => {},
  });
  await agent.start();
  try {
    const launch = async (config: Record<string, unknown>) => {
      const { launchRun } = await s.gql(
        `mutation($c: JSON!) { launchRun(input: { experimentName: "links", config: $c }) { id } }`,
        { c: { ...config, weights: 'random' } },
      );
      for (const until = Date.now() + 30_000; Date.now() < until; await sleep(100)) {
        const { run } = await s.gql(
          `query($id: ID!) { run(id: $id) { status errorMessage logs { lines { text } } } }`,
          {
            id: launchRun.id,
          },
        );
        if (!['QUEUED', 'RUNNING'].includes(run.status)) return run;
      }
      throw new Error('run did not end');
    };
    for (const [ds, entry] of [
      ['top', 'top/train'],
      ['class', 'class/train/birds'],
      ['deep', 'deep/train/cats/more/p.png'],
    ]) {
      const run = await launch({ data: ds });
      assert.equal(run.status, 'FAILED', ds);
      assert.ok(run.errorMessage.startsWith(`${entry}: `), run.errorMessage);
      assert.doesNotMatch(JSON.stringify(run), /outside-secret|top-secret-class|passwords|shadow/);
      assert.ok(!run.logs.lines.some((l: { text: string }) => l.text.startsWith('CONFIG ')), 'no trainer ran');
    }
    const ok = await launch({ data: 'clean' });
    assert.equal(ok.status, 'FINISHED', ok.errorMessage);
  } finally {
    await agent.stop(true);
    await s.close();
  }
});
