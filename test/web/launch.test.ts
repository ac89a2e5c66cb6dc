/**
 * Launching from the dashboard against a real server and Chromium: the launch form (config checked by
 * the server against the trainer's schema, issues shown per path), the run page of a queued run with no
 * agent (waiting notice, cancelRun), sweeps (launch, sweep page with live badges and scatter charts),
 * the live log tail fed through the agent protocol (registerAgent, claimRuns, appendRunLogs), agents.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { logMetrics, startRun } from './helpers/seed.js';
import { type Stack, shot, startStack } from './helpers/stack.js';

let stack: Stack;
let page: Page;
const EXP = 'launch-exp';
const agentId = randomUUID();

before(async () => {
  stack = await startStack();
  await stack.gql(`mutation { createExperiment(input: { name: "${EXP}" }) { id } }`);
  page = await stack.newPage();
  page.on('dialog', (d) => void d.accept());
});

after(async () => {
  await stack?.close();
});

const queued = async () => (await stack.gql(`{ queueStatus { queued } }`)).queueStatus.queued as number;
const attr = (sel: string, name: string) =>
  page.locator(sel).evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);

async function registerAgent() {
  await stack.gql(
    `mutation($id: ID!) { registerAgent(input: { id: $id, name: "test-agent", host: "gpu-box-1", concurrency: 4, gpus: ["0"] }) { id } }`,
    { id: agentId },
  );
}
async function claim(max = 4): Promise<string[]> {
  const d = await stack.gql(`mutation($a: ID!, $m: Int!) { claimRuns(agentId: $a, max: $m) { run { id } } }`, {
    a: agentId,
    m: max,
  });
  return d.claimRuns.map((c: { run: { id: string } }) => c.run.id);
}

test('launch form: an invalid config shows the server issues per path and queues nothing', async () => {
  await page.goto(`${stack.webUrl}/launch`);
  const editor = page.locator('[data-testid="launch-config"]');
  // Pre-filled from trainerConfigSchema's defaults and the first preset (the Keras example): a data set
  // by name, never a folder that may not exist.
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="launch-config"]') as HTMLTextAreaElement | null)?.value.includes('"data"'),
  );
  const defaults = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
  assert.equal(defaults.epochs, 30);
  assert.equal(defaults.data, 'cats_vs_dogs');
  assert.equal(defaults.weights, 'imagenet');
  assert.equal(defaults.train, undefined);
  assert.equal(defaults.experiment, undefined);

  await page.fill('[data-testid="launch-experiment"]', EXP);
  await editor.fill(JSON.stringify({ ...defaults, lr: 50, batch: 'many', epochs: -1 }, null, 2));
  await page.click('[data-testid="launch-submit"]');
  await page.locator('[data-testid="config-issues"]').waitFor();
  const paths = await attr('[data-testid="config-issues"] [data-testid="issue"]', 'data-path');
  assert.deepEqual([...paths].sort(), ['config.batch', 'config.epochs', 'config.lr']);
  // The schema reference marks the same fields.
  assert.equal(await page.locator('[data-testid="schema-reference"] tr.has-issue').count(), 3);
  assert.match(await page.locator('[data-testid="schema-reference"] tr[data-field="lr"]').innerText(), /10/);
  await page.locator('[data-testid="nothing-queued"]').waitFor();
  await shot(page, 'launch-invalid');
  const d = await stack.gql(`{ runs(filter: { experimentName: "${EXP}" }) { totalCount } }`);
  assert.equal(d.runs.totalCount, 0);
  assert.equal(await queued(), 0);
});

test('a valid launch opens the run page: waiting for an agent, then cancel makes it CANCELED', async () => {
  await page.click('[data-testid="config-reset"]');
  await page.fill('[data-testid="launch-name"]', 'first-launch');
  await page.fill('[data-testid="launch-labels"]', 'gpu');
  await page.fill('[data-testid="launch-retries"]', '1');
  await page.click('[data-testid="launch-submit"]');
  await page.waitForURL(/\/runs\//);
  await page.locator('[data-testid="run-name"]', { hasText: 'first-launch' }).waitFor();
  const waiting = page.locator('[data-testid="waiting-for-agent"]');
  await waiting.waitFor();
  assert.match(await waiting.innerText(), /no online agent carries the labels gpu/i);
  assert.match(await page.locator('[data-testid="launch-info"]').innerText(), /not claimed yet[\s\S]*1 of 2[\s\S]*gpu/);
  await page.locator('[data-testid="run-logs"]', { hasText: 'No output yet' }).waitFor();
  await shot(page, 'launch-waiting');

  const runId = page.url().split('/runs/')[1]!;
  const d = await stack.gql(
    `query($id: ID!) { run(id: $id) { status config launch { labels retries waitingForAgent } } }`,
    { id: runId },
  );
  assert.equal(d.run.status, 'QUEUED');
  assert.deepEqual(d.run.launch, { labels: ['gpu'], retries: 1, waitingForAgent: true });
  assert.equal(d.run.config.data, 'cats_vs_dogs');
  assert.equal(await queued(), 1);

  await page.click('[data-testid="cancel-run"]');
  await page.waitForSelector('[data-testid="status-badge"][data-status="CANCELED"]', { timeout: 3000 });
  assert.equal(await page.locator('[data-testid="waiting-for-agent"]').count(), 0);
  assert.equal(await queued(), 0);
});

test('sweep launch: space errors are shown; a valid sweep opens its page with live badges, best run and scatters', async () => {
  await page.goto(`${stack.webUrl}/launch?tab=sweep`);
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="sweep-base-config"]') as HTMLTextAreaElement | null)?.value.includes(
      '"data"',
    ),
  );
  await page.fill('[data-testid="sweep-experiment"]', EXP);
  await page.fill('[data-testid="sweep-name"]', 'lr-units');
  // GRID cannot enumerate a range.
  await page.fill('[data-testid="sweep-space"]', '{ "lr": { "min": 1e-6, "max": 1e-3 } }');
  await page.click('[data-testid="sweep-submit"]');
  await page.locator('[data-testid="space-issues"] [data-path="space.lr"]').waitFor();
  assert.equal(await queued(), 0);

  await page.click('[data-testid="space-example"]'); // GRID example: lr x units = 4 runs
  await page.fill('[data-testid="sweep-max-runs"]', '4');
  await page.fill('[data-testid="sweep-parallelism"]', '2');
  await page.click('[data-testid="sweep-submit"]');
  await page.waitForURL(/\/sweeps\//);
  await page.locator('[data-testid="sweep-run-row"]').nth(3).waitFor();
  assert.deepEqual(await attr('[data-testid="sweep-runs"] [data-testid="status-badge"]', 'data-status'), [
    'QUEUED',
    'QUEUED',
    'QUEUED',
    'QUEUED',
  ]);
  assert.match(await page.locator('[data-testid="sweep-best"]').innerText(), /no run has logged it yet/);
  const compare = await page.locator('[data-testid="sweep-compare"]').getAttribute('href');
  assert.equal(compare!.split('runs=')[1]!.split(',').length, 4);

  // An agent takes what the sweep's parallelism allows, the trainers start and log the metric.
  await registerAgent();
  const claimed = await claim();
  assert.equal(claimed.length, 2);
  for (const [i, id] of claimed.entries()) {
    await startRun(stack.gql, id);
    await logMetrics(
      stack.gql,
      id,
      [0, 1, 2].map((step) => ({ key: 'val_acc', step, value: 0.5 + 0.1 * step + 0.05 * i })),
    );
  }
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="sweep-runs"] [data-status="RUNNING"]').length === 2,
    null,
    { timeout: 3000 },
  );
  for (const param of ['lr', 'units']) {
    await page.waitForSelector(`[data-testid="scatter-${param}"][data-points="2"] .recharts-scatter-symbol`, {
      timeout: 5000,
    });
  }
  await page.locator('[data-testid="sweep-best"]', { hasText: '0.75' }).waitFor();
  await shot(page, 'sweep');
});

test('logs panel: lines appended through the agent protocol appear live, stderr apart, and it follows the tail', async () => {
  const d = await stack.gql(`mutation($input: LaunchRunInput!) { launchRun(input: $input) { id } }`, {
    input: {
      experimentName: EXP,
      name: 'with-logs',
      config: { train: 'data/train', val: 'data/validation', epochs: 2 },
    },
  });
  const runId: string = d.launchRun.id;
  assert.ok((await claim()).includes(runId)); // the sweep's other runs wait for its parallelism
  await startRun(stack.gql, runId);
  const append = (lines: { stream: 'STDOUT' | 'STDERR'; text: string }[]) =>
    stack.gql(`mutation($r: ID!, $l: [LogLineInput!]!) { appendRunLogs(runId: $r, lines: $l) }`, {
      r: runId,
      l: lines,
    });
  await append([
    { stream: 'STDOUT', text: 'loading data/train (2000 images)' },
    { stream: 'STDOUT', text: 'VGG16 base frozen' },
  ]);

  await page.goto(`${stack.webUrl}/runs/${runId}`);
  await page.waitForSelector('[data-testid="run-logs"] [data-line="2"]');
  await page.waitForSelector('[data-testid="log-live"][data-state="live"]', { timeout: 10_000 });
  assert.match(await page.locator('[data-testid="launch-agent"]').innerText(), /test-agent @ gpu-box-1/);
  await page.waitForTimeout(300); // let the subscription settle on the server
  const t0 = Date.now();
  await append([
    { stream: 'STDOUT', text: 'epoch 1/2 loss=0.693 acc=0.51' },
    { stream: 'STDERR', text: 'W tensorflow: slow host-to-device copy' },
  ]);
  await page.waitForSelector('[data-testid="run-logs"] [data-line="4"]', { timeout: 2000 });
  console.log(`# appended log lines visible after ${Date.now() - t0} ms`);
  assert.equal(await page.locator('[data-line="4"]').getAttribute('data-stream'), 'STDERR');
  assert.equal(await page.locator('[data-line="3"]').getAttribute('data-stream'), 'STDOUT');
  assert.match((await page.locator('[data-line="4"]').getAttribute('class')) ?? '', /log-stderr/);

  // Many lines: the view keeps to the bottom.
  await append(
    Array.from({ length: 200 }, (_, i) => ({
      stream: i % 50 === 49 ? 'STDERR' : 'STDOUT',
      text: `step ${i} loss=${(1 / (i + 1)).toFixed(4)}`,
    })),
  );
  await page.waitForSelector('[data-testid="run-logs"] [data-line="204"]', { timeout: 2000 });
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="run-logs"]')!;
    return el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 30;
  });
  assert.equal(await page.locator('[data-testid="run-logs"] .log-line').count(), 204);
  await page.locator('[data-testid="logs-panel"]').scrollIntoViewIfNeeded();
  await page.locator('[data-testid="logs-panel"]').screenshot({ path: 'test-results/run-logs.png' });
  await shot(page, 'run-launched');

  // The agents view lists the agent with its runs and the queue.
  await page.goto(`${stack.webUrl}/agents`);
  const row = page.locator('[data-testid="agent-row"][data-agent="test-agent"]');
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /online/);
  assert.match(text, /with-logs/);
  assert.match(text, /3 \/ 4/);
  assert.equal(await page.locator('[data-testid="queue-agents"]').innerText(), '1');
  assert.equal(await page.locator('[data-testid="queue-queued"]').innerText(), '2');
  await shot(page, 'agents');

  // The experiments page header carries the queue summary; the experiment page lists its sweeps.
  await page.goto(`${stack.webUrl}/`);
  await page.locator('[data-testid="queue-summary"]', { hasText: '1 agent online' }).waitFor();
  assert.match(await page.locator('[data-testid="queue-summary"]').innerText(), /2 queued · 3 on agents/);
  await page.locator('[data-testid="experiments-table"] a', { hasText: EXP }).click();
  await page.locator('[data-testid="experiment-sweeps"] a', { hasText: 'lr-units' }).waitFor();
  await shot(page, 'experiment-with-sweeps');
});

test('a UI-only user launches the fine-tuning preset into a new experiment name, which the launch creates', async () => {
  await page.goto(`${stack.webUrl}/launch`);
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="launch-config"]') as HTMLTextAreaElement | null)?.value.includes('"data"'),
  );
  await page.fill('[data-testid="launch-experiment"]', 'made-by-launch');
  await page.selectOption('[data-testid="launch-preset"]', 'keras-cats-vs-dogs-fine-tune');
  const cfg = JSON.parse(await page.locator('[data-testid="launch-config"]').inputValue());
  assert.equal(cfg.fineTuneFrom, 'block5_conv1');
  await page.click('[data-testid="launch-submit"]');
  await page.waitForURL(/\/runs\//);
  const runId = page.url().split('/runs/')[1]!;
  const d = await stack.gql(`query($id: ID!) { run(id: $id) { experiment { name } config } }`, { id: runId });
  assert.equal(d.run.experiment.name, 'made-by-launch');
  assert.deepEqual(
    [d.run.config.data, d.run.config.weights, d.run.config.size, d.run.config.batch, d.run.config.lr],
    ['cats_vs_dogs', 'imagenet', 150, 20, 2e-5],
  );
});
