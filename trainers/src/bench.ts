// What the benchmarks need of the trainer's insides beyond testing.ts (which has the trainer as a function):
// bench:trainer times the frozen-prefix engines on their own and reports FLOPs and the host; bench:parity rebuilds,
// outside the trainer, the features, the initial head and the batch order of a run to replay it in a reference
// implementation; bench:launch speaks the agent protocol without an agent. Not for anything but benchmarks.
export { AgentApi } from './agent/api.ts';
export { type FolderDataset, loadImages, scanFolder } from './data/folder-dataset.ts';
export { createOnnxPrefix, createTfjsPrefix, type PrefixEngine } from './engines/prefix.ts';
export { detectAvailability, selectPrefixEngine } from './engines/select-prefix.ts';
export { initTfjsBackend } from './engines/tfjs-backend.ts';
export { FeatureCache, featureEngine } from './features/feature-cache.ts';
export { buildTrainablePart, dropoutRng } from './model/vgg16.ts';
export { convFlops, outputShapeAfter } from './model/vgg16-spec.ts';
export { hostInfo } from './train/system-info.ts';
