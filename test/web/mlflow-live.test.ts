/**
 * A run logged through MLflow's REST API (the JSON MLflow's Python client sends) is live on the dashboard: its
 * metric cells and status badge change in an open experiment page without reload.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mlflowClient } from '@runboard/test-kit/mlflow';
import { type Stack, shot, startStack } from '@runboard/test-kit/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.close();
});

test('metrics and end_run sent by an MLflow client appear live on the experiment page', async () => {
  const ml = mlflowClient(stack.apiUrl);
  const experimentId = (await ml.post('experiments/create', { name: 'mlflow-live' })).body.experiment_id;
  const created = await ml.post('runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
    run_name: 'from-mlflow',
    tags: [{ key: 'mlflow.runName', value: 'from-mlflow' }],
  });
  const runId: string = created.body.run.info.run_id;
  await ml.post('runs/log-batch', {
    run_id: runId,
    metrics: [{ key: 'acc', value: 0.5, timestamp: Date.now(), step: 0 }],
    params: [{ key: 'lr', value: '0.001' }],
  });

  const page = await stack.newPage();
  await page.goto(`${stack.webUrl}/experiments/${experimentId}`);
  const badge = page.locator(`[data-run-id="${runId}"] [data-testid="status-badge"]`);
  await badge.waitFor({ timeout: 30_000 });
  assert.equal(await badge.getAttribute('data-status'), 'RUNNING');
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });

  // mlflow.log_metrics({"acc": 0.625}, step=1)
  const logged = await ml.post('runs/log-batch', {
    run_id: runId,
    metrics: [{ key: 'acc', value: 0.625, timestamp: Date.now(), step: 1 }],
  });
  assert.equal(logged.status, 200);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-run-id="${id}"] [data-col="last:acc"]`)?.textContent === '0.625',
    runId,
    { timeout: 30_000 },
  );
  // mlflow.end_run()
  await ml.post('runs/update', { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: Date.now() });
  await page.waitForSelector(`[data-run-id="${runId}"] [data-testid="status-badge"][data-status="FINISHED"]`, {
    timeout: 30_000,
  });
  await shot(page, 'mlflow-live');
  await page.close();
});
