// The agent image and compose file agree with the code (no Docker engine here, so they are parsed):
// the feature-cache volume is mounted where agents write it, and the GPU image's install script is
// allowed the way both npm 10 and npm 11 accept.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import { parse } from 'yaml';
import { confineLaunchConfig } from '../src/agent/launch-paths.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFile(join(root, f), 'utf8');

test("compose mounts the feature-cache volume at the path the agent's trainers write it", async (t) => {
  const dockerfile = await read('trainers/Dockerfile.agent');
  const workdir = /^WORKDIR (\S+)$/m.exec(dockerfile)?.[1];
  assert.equal(workdir, '/app');
  // the agent CLI's default --output-root, resolved from the image's WORKDIR
  assert.match(await read('trainers/src/agent/cli.ts'), /'output-root': \{ type: 'string', default: 'runs' \}/);
  const outputRoot = await tempDir(t);
  const cfg = await confineLaunchConfig(
    { data: 'cats_vs_dogs' },
    { id: '00000000-0000-4000-8000-000000000001', name: 'r', experiment: 'e' },
    { dataRoots: [outputRoot], outputRoot },
  );
  const cacheInImage = posix.join(workdir!, 'runs', relative(outputRoot, cfg.cacheDir as string));
  const compose = parse(await read('docker-compose.yml'));
  const mounts = (compose.services.agent.volumes as string[]).map((v) => v.split(':'));
  const features = mounts.find(([src]) => src === 'features');
  assert.deepEqual(features?.slice(1), [cacheInImage]);
  assert.ok('features' in compose.volumes, 'a named volume, kept across agent restarts');
});

test('the GPU image allows tfjs-node-gpu install script through package.json, not --allow-scripts', async () => {
  const dockerfile = await read('trainers/Dockerfile.agent');
  assert.doesNotMatch(dockerfile, /--allow-scripts/, 'npm 11 fails a project install with EALLOWSCRIPTS');
  assert.match(dockerfile, /npm install --no-save -w @runboard\/trainers @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  const pkg = JSON.parse(await read('package.json'));
  assert.equal(pkg.allowScripts['@tensorflow/tfjs-node-gpu'], true);
});
