// --entry-point command lines are split into argv without a shell (trainers/src/agent/command-line.ts).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  CommandLineError,
  parseCommandLine,
  parseEntryPointOption,
  resolveCommand,
} from '../src/agent/command-line.ts';

test('words, quotes and backslashes split as documented in docs/own-script.md', () => {
  const cases: [string, string[]][] = [
    ['python3 train.py', ['python3', 'train.py']],
    ['  python3\t train.py  --epochs 3 ', ['python3', 'train.py', '--epochs', '3']],
    [`python3 'my script.py'`, ['python3', 'my script.py']],
    [`python3 "my script.py" --name "a \\"b\\" c\\\\d"`, ['python3', 'my script.py', '--name', 'a "b" c\\d']],
    [`echo "\\n stays" '\\n stays'`, ['echo', '\\n stays', '\\n stays']],
    ['python3 my\\ script.py', ['python3', 'my script.py']],
    [`--lr=1e-3 --tag="x y"z`, ['--lr=1e-3', '--tag=x yz']],
    [`python3 ''`, ['python3', '']],
    [`python3 'a;b|c>d $(e) \`f\`'`, ['python3', 'a;b|c>d $(e) `f`']],
    [`~/bin/x *.py`, ['~/bin/x', '*.py']],
  ];
  for (const [line, argv] of cases) assert.deepEqual(parseCommandLine(line), argv, line);
});

test('shell operators and expansions outside quotes are refused, not passed on or run', () => {
  for (const line of [
    'python3 train.py > out.log',
    'python3 train.py | tee log',
    'python3 train.py; rm -rf /',
    'python3 train.py && echo done',
    'python3 $HOME/train.py',
    'python3 `which train`',
    'python3 $(which train)',
    'python3 train.py &',
    'python3 <in',
  ])
    assert.throws(() => parseCommandLine(line), CommandLineError, line);
  assert.throws(() => parseCommandLine(`python3 'open`), /unterminated '/);
  assert.throws(() => parseCommandLine(`python3 "open`), /unterminated "/);
  assert.throws(() => parseCommandLine('python3 x\\'), /trailing/);
  assert.throws(() => parseCommandLine('   '), /empty/);
  assert.throws(() => parseCommandLine('a\nb'), /one line/);
});

test('name="command": the first = separates the name', () => {
  assert.deepEqual(parseEntryPointOption('keras-seed=python3 train.py --opt=adam'), {
    name: 'keras-seed',
    command: ['python3', 'train.py', '--opt=adam'],
  });
  assert.throws(() => parseEntryPointOption('python3 train.py'), /name=/);
  assert.throws(() => parseEntryPointOption('=python3'), /name=/);
});

test('relative files become absolute (the program runs in its run folder); a program must exist now', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rb-cmd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'train.py'), '');
  await mkdir(path.join(dir, 'data'));
  await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(resolveCommand(['python3', 'train.py', '--data', 'data', '--epochs', '3', 'absent.txt'], dir), [
    'python3',
    path.join(dir, 'train.py'),
    '--data',
    path.join(dir, 'data'),
    '--epochs',
    '3',
    'absent.txt',
  ]);
  assert.deepEqual(resolveCommand(['./run.sh'], dir), [path.join(dir, 'run.sh')]);
  assert.throws(() => resolveCommand(['./train.py'], dir), /not an executable/);
  assert.throws(() => resolveCommand(['no-such-program-here'], dir, '/usr/bin:/bin'), /not found on PATH/);
  assert.deepEqual(resolveCommand(['sh', '-c'], dir, '/usr/bin:/bin'), ['sh', '-c']);
});
