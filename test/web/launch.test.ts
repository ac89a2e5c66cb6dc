/**
 * Launching from the dashboard against a real server and Chromium: the launch form (config checked by
 * the server against the trainer's schema, issues shown per path), the run page of a queued run with no
 * agent (waiting notice, cancelRun), sweeps (launch, sweep page with live badges and scatter charts),
 * the live log tail fed through the agent protocol (registerAgent, claimRuns, appendRunLogs), agents.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { uniqueName } from '@runboard/test-kit/gql';
import { logMetrics, startRun } from '@runboard/test-kit/seed';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';
import type { Page } from 'playwright-core';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

const queueStatus = async () =>
  (await stack.gql(`{ queueStatus { queued agentsOnline } }`)).queueStatus as { queued: number; agentsOnline: number };
const queued = async () => (await queueStatus()).queued;
const attr = (page: Page, sel: string, name: string) =>
  page.locator(sel).evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);

/** A page and an experiment of its own for each test, so any test runs alone and in any order. */
async function setup() {
  const experiment = uniqueName('launch-exp');
  await stack.gql(`mutation($n: String!) { createExperiment(input: { name: $n }) { id } }`, { n: experiment });
  const page = await stack.newPage();
  page.on('dialog', (d) => void d.accept());
  return { experiment, page };
}

/** An agent driven by hand through the agent protocol (no process), with its own labels. */
async function handAgent(name: string, labels: string[] = []) {
  const id = randomUUID();
  await stack.gql(
    `mutation($id: ID!, $n: String!, $l: [String!]) { registerAgent(input: { id: $id, name: $n, host: "gpu-box-1", concurrency: 4, gpus: ["0"], labels: $l }) { id } }`,
    { id, n: name, l: labels },
  );
  const claim = async (max = 4): Promise<string[]> => {
    const d = await stack.gql(`mutation($a: ID!, $m: Int!) { claimRuns(agentId: $a, max: $m) { run { id } } }`, {
      a: id,
      m: max,
    });
    return d.claimRuns.map((c: { run: { id: string } }) => c.run.id);
  };
  return { id, name, claim };
}

test('launch form: an invalid config shows the server issues per path and queues nothing', async () => {
  const { experiment: EXP, page } = await setup();
  const queuedBefore = await queued();
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
  const paths = await attr(page, '[data-testid="config-issues"] [data-testid="issue"]', 'data-path');
  assert.deepEqual([...paths].sort(), ['config.batch', 'config.epochs', 'config.lr']);
  // The schema reference marks the same fields.
  assert.equal(await page.locator('[data-testid="schema-reference"] tr.has-issue').count(), 3);
  assert.match(await page.locator('[data-testid="schema-reference"] tr[data-field="lr"]').innerText(), /10/);
  await page.locator('[data-testid="nothing-queued"]').waitFor();
  await shot(page, 'launch-invalid');
  const d = await stack.gql(`query($e: String!) { runs(filter: { experimentName: $e }) { totalCount } }`, { e: EXP });
  assert.equal(d.runs.totalCount, 0);
  assert.equal(await queued(), queuedBefore);
});

test('a valid launch opens the run page: waiting for an agent, then cancel makes it CANCELED', async () => {
  const { experiment: EXP, page } = await setup();
  const label = uniqueName('gpu');
  const queuedBefore = await queued();
  await page.goto(`${stack.webUrl}/launch`);
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="launch-config"]') as HTMLTextAreaElement | null)?.value.includes('"data"'),
  );
  await page.fill('[data-testid="launch-experiment"]', EXP);
  await page.fill('[data-testid="launch-name"]', 'first-launch');
  await page.fill('[data-testid="launch-labels"]', label);
  await page.fill('[data-testid="launch-retries"]', '1');
  await page.click('[data-testid="launch-submit"]');
  await page.waitForURL(/\/runs\//);
  await page.locator('[data-testid="run-name"]', { hasText: 'first-launch' }).waitFor();
  const waiting = page.locator('[data-testid="waiting-for-agent"]');
  await waiting.waitFor();
  assert.ok((await waiting.innerText()).toLowerCase().includes(`no online agent carries the labels ${label}`));
  assert.match(await page.locator('[data-testid="launch-info"]').innerText(), /not claimed yet[\s\S]*1 of 2/);
  assert.ok((await page.locator('[data-testid="launch-info"]').innerText()).includes(label));
  await page.locator('[data-testid="run-logs"]', { hasText: 'No output yet' }).waitFor();
  await shot(page, 'launch-waiting');

  const runId = page.url().split('/runs/')[1]!;
  const d = await stack.gql(
    `query($id: ID!) { run(id: $id) { status config launch { labels retries waitingForAgent } } }`,
    { id: runId },
  );
  assert.equal(d.run.status, 'QUEUED');
  assert.deepEqual(d.run.launch, { labels: [label], retries: 1, waitingForAgent: true });
  assert.equal(d.run.config.data, 'cats_vs_dogs');
  assert.equal(await queued(), queuedBefore + 1);

  await page.click('[data-testid="cancel-run"]');
  await page.waitForSelector('[data-testid="status-badge"][data-status="CANCELED"]', { timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="waiting-for-agent"]').count(), 0);
  assert.equal(await queued(), queuedBefore);
});

test('sweep launch: space errors are shown; a valid sweep opens its page with live badges, best run and scatters', async () => {
  const { experiment: EXP, page } = await setup();
  const queuedBefore = await queued();
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
  assert.equal(await queued(), queuedBefore);

  await page.click('[data-testid="space-example"]'); // GRID example: lr x units = 4 runs
  await page.fill('[data-testid="sweep-max-runs"]', '4');
  await page.fill('[data-testid="sweep-parallelism"]', '2');
  await page.click('[data-testid="sweep-submit"]');
  await page.waitForURL(/\/sweeps\//);
  await page.locator('[data-testid="sweep-run-row"]').nth(3).waitFor();
  assert.deepEqual(await attr(page, '[data-testid="sweep-runs"] [data-testid="status-badge"]', 'data-status'), [
    'QUEUED',
    'QUEUED',
    'QUEUED',
    'QUEUED',
  ]);
  assert.match(await page.locator('[data-testid="sweep-best"]').innerText(), /no run has logged it yet/);
  const compare = await page.locator('[data-testid="sweep-compare"]').getAttribute('href');
  assert.equal(compare!.split('runs=')[1]!.split(',').length, 4);

  // An agent takes what the sweep's parallelism allows, the trainers start and log the metric.
  const agent = await handAgent(uniqueName('sweep-agent'));
  const sweepRuns = compare!.split('runs=')[1]!.split(',');
  const claimed = (await agent.claim()).filter((id) => sweepRuns.includes(id));
  assert.equal(claimed.length, 2, 'as many as the parallelism');
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
    { timeout: 30_000 },
  );
  for (const param of ['lr', 'units']) {
    await page.waitForSelector(`[data-testid="scatter-${param}"][data-points="2"] circle[data-run-id]`, {
      timeout: 30_000,
    });
  }
  await page.locator('[data-testid="sweep-best"]', { hasText: '0.75' }).waitFor();
  await shot(page, 'sweep');
});

/** A launched run (with its own label) claimed and started by a hand-driven agent. */
async function claimedRun(experiment: string, runName: string, agentName: string) {
  const label = uniqueName('logs');
  const agent = await handAgent(agentName, [label]);
  const d = await stack.gql(`mutation($input: LaunchRunInput!) { launchRun(input: $input) { id } }`, {
    input: {
      experimentName: experiment,
      name: runName,
      labels: [label],
      config: { train: 'data/train', val: 'data/validation', epochs: 2 },
    },
  });
  const runId: string = d.launchRun.id;
  assert.ok((await agent.claim()).includes(runId));
  await startRun(stack.gql, runId);
  return { runId, agent };
}

test('logs panel: lines appended through the agent protocol appear live, stderr apart, and it follows the tail', async () => {
  const { experiment: EXP, page } = await setup();
  const { runId } = await claimedRun(EXP, 'with-logs', 'test-agent');
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
  await page.waitForSelector('[data-testid="log-live"][data-state="live"]', { timeout: 30_000 });
  assert.match(await page.locator('[data-testid="launch-agent"]').innerText(), /test-agent @ gpu-box-1/);
  // No settling delay: the tail resumes after the last line the page has (afterLine), so lines appended
  // before the server registered the subscription are replayed.
  await append([
    { stream: 'STDOUT', text: 'epoch 1/2 loss=0.693 acc=0.51' },
    { stream: 'STDERR', text: 'W tensorflow: slow host-to-device copy' },
  ]);
  await page.waitForSelector('[data-testid="run-logs"] [data-line="4"]', { timeout: 30_000 });
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
  await page.waitForSelector('[data-testid="run-logs"] [data-line="204"]', { timeout: 30_000 });
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="run-logs"]')!;
    return el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 30;
  });
  assert.equal(await page.locator('[data-testid="run-logs"] .log-line').count(), 204);
  await page.locator('[data-testid="logs-panel"]').scrollIntoViewIfNeeded();
  await page.locator('[data-testid="logs-panel"]').screenshot({ path: 'test-results/run-logs.png' });
  await shot(page, 'run-launched');

  await page.close();
});

test('agents view and queue summary: the agent with its runs; counts as the API reports them', async () => {
  const { experiment: EXP, page } = await setup();
  const agentName = uniqueName('agent');
  await claimedRun(EXP, 'on-agent', agentName);
  // Counts over the whole server (other tests may have queued runs): the page must show what the API says.
  const q = await queueStatus();
  await page.goto(`${stack.webUrl}/agents`);
  const row = page.locator(`[data-testid="agent-row"][data-agent="${agentName}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /online/);
  assert.match(text, /on-agent/);
  assert.match(text, /1 \/ 4/);
  assert.equal(await page.locator('[data-testid="queue-agents"]').innerText(), String(q.agentsOnline));
  assert.equal(await page.locator('[data-testid="queue-queued"]').innerText(), String(q.queued));
  await shot(page, 'agents');
  await page.close();
});

test('the experiment page lists its sweeps', async () => {
  const { experiment: EXP, page } = await setup();
  await stack.gql(
    `mutation($e: String!) { launchSweep(input: { experimentName: $e, name: "lr-units", baseConfig: { train: "a", val: "b" },
      space: { lr: [1e-5, 2e-5] }, method: GRID, maxRuns: 2, parallelism: 1, metric: "loss", goal: MINIMIZE, labels: ["nobody"] }) { id } }`,
    { e: EXP },
  );
  await page.goto(`${stack.webUrl}/`);
  await page.locator('[data-testid="queue-summary"]', { hasText: /agents? online/ }).waitFor();
  await page.locator('[data-testid="experiments-table"] a', { hasText: EXP }).click();
  await page.locator('[data-testid="experiment-sweeps"] a', { hasText: 'lr-units' }).waitFor();
  await shot(page, 'experiment-with-sweeps');
  await page.close();
});

test('a UI-only user launches the fine-tuning preset into a new experiment name, which the launch creates', async () => {
  const page = await stack.newPage();
  const experiment = uniqueName('made-by-launch');
  await page.goto(`${stack.webUrl}/launch`);
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="launch-config"]') as HTMLTextAreaElement | null)?.value.includes('"data"'),
  );
  await page.fill('[data-testid="launch-experiment"]', experiment);
  await page.selectOption('[data-testid="launch-preset"]', 'keras-cats-vs-dogs-fine-tune');
  const cfg = JSON.parse(await page.locator('[data-testid="launch-config"]').inputValue());
  assert.equal(cfg.fineTuneFrom, 'block5_conv1');
  await page.click('[data-testid="launch-submit"]');
  await page.waitForURL(/\/runs\//);
  const runId = page.url().split('/runs/')[1]!;
  const d = await stack.gql(`query($id: ID!) { run(id: $id) { experiment { name } config } }`, { id: runId });
  assert.equal(d.run.experiment.name, experiment);
  assert.deepEqual(
    [d.run.config.data, d.run.config.weights, d.run.config.size, d.run.config.batch, d.run.config.lr],
    ['cats_vs_dogs', 'imagenet', 150, 20, 2e-5],
  );
  await page.close();
});
