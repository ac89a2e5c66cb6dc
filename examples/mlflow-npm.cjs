// Logs a run to Runboard with the npm package `mlflow` (an MLflow REST client), as to any MLflow server.
const MLflow = require('mlflow');

const endpoint = process.env.RUNBOARD_URL ?? 'http://127.0.0.1:4000';
const headers = process.env.RUNBOARD_API_KEY ? { Authorization: `Bearer ${process.env.RUNBOARD_API_KEY}` } : {};
const { Experiments, Runs } = new MLflow({ endpoint, headers });

(async () => {
  const name = process.env.EXPERIMENT ?? 'mlflow-quickstart';
  const { experiment_id } = await Experiments.create({ name });
  const { run } = await Runs.create({
    experiment_id,
    start_time: Date.now(),
    tags: [{ key: 'mlflow.runName', value: 'first' }],
  });
  const run_id = run.info.run_id;
  await Runs.logBatch({ run_id, params: [{ key: 'lr', value: '0.001' }], metrics: [] });
  for (let step = 0; step < 3; step++)
    await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step });
  await Runs.update({ run_id, status: 'FINISHED', end_time: Date.now() });
  process.stderr.write(`${run_id}\n`);
})();
