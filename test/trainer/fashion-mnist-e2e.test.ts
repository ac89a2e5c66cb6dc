// End to end on REAL images: an easy Fashion-MNIST pair (trouser vs bag, from Debian's dataset-fashion-mnist)
// at 32x32, trained against the real server. Random conv-base weights (ImageNet weights cannot be downloaded
// here): the frozen base is then a fixed random feature extractor, which is plenty for this pair.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '@runboard/test-kit/images';
import { startTestServer, type TestServer } from '@runboard/test-kit/server';
import {
  exportFashionMnist,
  RunboardClient,
  randomVggWeights,
  ServerTracker,
  type TrainConfig,
  train,
  validateConfig,
} from '@runboard/trainers/testing';

const W = randomVggWeights(11);
let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

test('trouser vs bag at 32x32: FINISHED, one point per key per epoch, accuracy far above chance; a second run hits the cache and fine-tuning continues the steps', async (t) => {
  const root = await tempDir(t);
  const data = join(root, 'fmnist');
  await exportFashionMnist({ out: data, classes: [1, 8], size: 32, perClass: 100, valFraction: 0.2 });
  const cfg = (extra: Partial<TrainConfig>) =>
    validateConfig({
      experiment: 'fmnist-e2e',
      train: join(data, 'train'),
      val: join(data, 'validation'),
      size: 32,
      batch: 10,
      epochs: 8,
      lr: 1e-3,
      preprocessing: 'caffe',
      cacheDir: join(root, 'cache'),
      output: join(root, 'model'),
      ...extra,
    });
  const run = async (c: TrainConfig) => {
    const tracker = new ServerTracker({
      client: new RunboardClient({ url: server.url }),
      journalPath: join(root, `${c.name}.jsonl`),
      heartbeatSeconds: 1,
      log: () => {},
    });
    const r = await train(c, { tracker, weights: W });
    await tracker.finish(r.status, 0);
    const { run } = await server.gql(`query($id: ID!) { run(id: $id) { status metrics { key count lastStep max } } }`, {
      id: tracker.runId,
    });
    return {
      r,
      run,
      metrics: Object.fromEntries(run.metrics.map((m: { key: string }) => [m.key, m])) as Record<
        string,
        { count: number; lastStep: number; max: number }
      >,
    };
  };

  const first = await run(cfg({ name: 'head' }));
  assert.equal(first.run.status, 'FINISHED');
  for (const key of ['loss', 'acc', 'val_loss', 'val_acc', 'lr', 'epoch_seconds', 'images_per_second']) {
    assert.equal(first.metrics[key]?.count, 8, `${key}: one point per epoch`);
  }
  assert.ok(
    first.metrics.val_acc!.max >= 0.85,
    `val_acc ${first.metrics.val_acc!.max} should be far above chance (0.5)`,
  );
  assert.ok(first.r.cache.computed > 0 && first.r.cache.hits === 0);

  const second = await run(
    cfg({ name: 'fine-tune', epochs: 2, fineTuneFrom: 'block5_conv1', fineTuneEpochs: 1, fineTuneLr: 1e-4 }),
  );
  assert.equal(second.run.status, 'FINISHED');
  assert.ok(second.r.cache.hits > 0, "the frozen prefix features come from the first run's cache");
  assert.equal(second.metrics.loss!.count, 3, 'two head epochs and one fine-tuning epoch');
  assert.equal(first.metrics.loss!.lastStep, 8, 'steps are epochs, from 1');
  assert.equal(
    second.metrics.loss!.lastStep,
    3,
    'fine-tuning continues the step count: epochs 1-2 head, 3 fine-tuning',
  );
});
