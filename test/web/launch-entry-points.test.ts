/**
 * The Launch page with agents that declare entry points (docs/own-script.md), against a real server and
 * Chromium: the agents' programs are listed, picking one swaps the trainer config for free JSON, and the
 * launched run records the entry point; while no agent has it, the run page says which entry point it waits for.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

test('Launch page: lists entry points per agent; a declared program gets a free JSON config and waits for its agent', async () => {
  const agentName = uniqueName('py-box');
  const program = uniqueName('keras-seed');
  await stack.gql(`mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, {
    input: {
      id: randomUUID(),
      name: agentName,
      host: 'py-host',
      concurrency: 1,
      labels: ['never-used-here'],
      entryPoints: [
        { name: 'vgg16', command: [] },
        { name: program, command: ['/usr/bin/python3', '/srv/seed/train.py'] },
      ],
    },
  });
  const experiment = uniqueName('own-script');
  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/launch`);
  const row = page.locator(`[data-testid="agent-data-row"][data-agent="${agentName}"]`);
  await row.waitFor();
  assert.equal(
    await row.locator('[data-testid="agent-entry-points"]').innerText(),
    `vgg16 (built-in), ${program}: /usr/bin/python3 /srv/seed/train.py`,
  );
  // The trainer's defaults fill the editor first; choosing the program replaces them with {}.
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="launch-config"]') as HTMLTextAreaElement | null)?.value.includes('"data"'),
  );
  await page.selectOption('[data-testid="launch-entry-point"]', program);
  assert.equal(await page.locator('[data-testid="launch-config"]').inputValue(), '{}');
  assert.match(
    await page.locator('[data-testid="launch-entry-point-command"]').innerText(),
    /Runs \/usr\/bin\/python3 \/srv\/seed\/train\.py; the config is any JSON object/,
  );
  assert.equal(await page.locator('[data-testid="schema-reference"]').count(), 0, 'no trainer schema for it');
  await page.fill('[data-testid="launch-experiment"]', experiment);
  await page.fill('[data-testid="launch-labels"]', 'needs-a-gpu');
  await page.fill('[data-testid="launch-config"]', JSON.stringify({ lr: 0.01, anything: ['goes'] }));
  await page.click('[data-testid="launch-submit"]');
  await page.waitForURL(/\/runs\//);
  const runId = page.url().split('/runs/')[1]!;
  await page.locator('[data-testid="launch-entry-point"]', { hasText: program }).waitFor();
  const waiting = page.locator('[data-testid="waiting-for-agent"]');
  await waiting.waitFor();
  const text = await waiting.innerText();
  assert.ok(
    text.includes(`no online agent with the entry point "${program}" has the labels needs-a-gpu`),
    `the reason names the entry point and the missing label: ${text}`,
  );
  assert.ok(text.includes(`--entry-point ${program}=`), text);
  await shot(page, 'launch-entry-point-waiting');
  const { run } = await stack.gql(`query($id: ID!) { run(id: $id) { status config launch { entryPoint } } }`, {
    id: runId,
  });
  assert.deepEqual(run, {
    status: 'QUEUED',
    config: { lr: 0.01, anything: ['goes'] },
    launch: { entryPoint: program },
  });
});
