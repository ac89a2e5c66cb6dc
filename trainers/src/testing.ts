// What end-to-end tests and benchmarks outside the package need beyond the public surface (index.ts): the trainer
// as a function (config, data, weights, tracking) and the pieces a test fakes a download or a command line with.
export { parseCommandLine } from './agent/command-line.ts';
export { type TrainConfig, validateConfig } from './config.ts';
export { type DownloadEntry, FASHION_MNIST_FILES, fetchCached } from './data/downloads.ts';
export { exportFashionMnist, FMNIST_CLASSES, FMNIST_DIR } from './data/fashion-mnist.ts';
export { resolveData } from './data/resolve-data.ts';
export { unzipTo } from './data/unzip.ts';
export { resolveWeights } from './model/resolve-weights.ts';
export { hashWeights, randomVggWeights, type VggWeights } from './model/weights.ts';
export { writeKerasH5Weights } from './model/weights-h5.ts';
export { RunboardClient } from './tracking/graphql-client.ts';
export { ServerTracker } from './tracking/server-tracker.ts';
export { NullTracker } from './tracking/tracker.ts';
export { train } from './train/trainer.ts';
