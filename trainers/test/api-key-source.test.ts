import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import { Agent } from '../src/agent/agent.ts';
import { ConfigError, configFromArgs } from '../src/config.ts';

/** API keys reach trainers and agents through the environment or a file, never argv (visible in `ps`). */
const ADMIN = 'admin-key-for-trainer-tests-123';
const dir = mkdtempSync(path.join(tmpdir(), 'runboard-keys-'));
let s: TestServer;

before(async () => {
  s = await startTestServer({ apiKey: ADMIN });
});
after(async () => {
  await s.close();
});

function childEnv(): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return env;
}

test('the trainer refuses --api-key and reads --api-key-file or RUNBOARD_API_KEY', async () => {
  const base = ['--experiment', 'e', '--train', 'data/train', '--val', 'data/val'];
  await assert.rejects(configFromArgs([...base, '--api-key', 'k'], {}), (e: ConfigError) =>
    /RUNBOARD_API_KEY/.test(e.message),
  );
  await assert.rejects(configFromArgs([...base, '--api-key=k'], {}), ConfigError);
  const file = path.join(dir, 'key');
  writeFileSync(file, 'from-the-file\n');
  assert.equal(
    (await configFromArgs([...base, '--api-key-file', file], { RUNBOARD_API_KEY: 'env' })).apiKey,
    'from-the-file',
  );
  assert.equal((await configFromArgs(base, { RUNBOARD_API_KEY: 'from-env' })).apiKey, 'from-env');
});

test('the agent CLI refuses --api-key, saying what to use instead', async () => {
  const failed = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'trainers/src/agent/cli.ts', '--api-key', 'secret'],
    {
      env: childEnv(),
      timeout: 120_000,
    },
  ).catch((e: { code: number; stderr: string }) => e);
  assert.equal((failed as { code: number }).code, 2);
  assert.match(
    (failed as { stderr: string }).stderr,
    /--api-key is not accepted[\s\S]*RUNBOARD_API_KEY[\s\S]*--api-key-file/,
  );
});

test('the agent authenticates with its key and hands it to the trainer in the environment, not argv', async () => {
  const created = await s.gql(`mutation { createApiKey(input: { name: "agent", scopes: [AGENT] }) { key } }`);
  const key: string = created.createApiKey.key;
  const record = path.join(dir, 'trainer.json');
  // A stand-in trainer that records what it was given and exits.
  const script = `require('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv, key: process.env.RUNBOARD_API_KEY }))`;
  const recorder = path.join(dir, 'recorder.cjs');
  writeFileSync(recorder, script);
  const agent = new Agent({
    server: s.url,
    apiKey: key,
    concurrency: 1,
    gpus: [],
    labels: [],
    command: [process.execPath, recorder],
    graceSeconds: 1,
    pollMs: 100,
    log: () => {},
  });
  await agent.start();
  try {
    await s.gql(`mutation { createExperiment(input: { name: "keys" }) { id } }`);
    const launched = await s.gql(
      `mutation { launchRun(input: { experimentName: "keys", config: { train: "data/train", val: "data/val" } }) { id } }`,
    );
    const deadline = Date.now() + 60_000;
    let seen: { argv: string[]; key: string } | null = null;
    while (!seen && Date.now() < deadline) {
      try {
        seen = JSON.parse(readFileSync(record, 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(seen, 'the trainer ran');
    assert.equal(seen.key, key);
    assert.ok(!seen.argv.some((a) => a.includes(key)), 'the key is not on the command line');
    assert.ok(seen.argv.includes(launched.launchRun.id));
  } finally {
    await agent.stop(true);
  }
});
