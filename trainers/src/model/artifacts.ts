// What a run saves. The frozen base is the same file in every run (59 MB for VGG16 notop), so by
// default a run saves only what it trained: the layers after the cut (head, plus fine-tuned convs)
// as a tfjs layers model, and base.json naming the base weights by source and content hash so the
// full model can be rebuilt. `exportFullModel` (or nothing frozen) saves the whole flat model.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import { saveModelDir } from './tfjs-io.ts';
import { buildFullModel, copyWeightsByName, freezeThrough, type HeadOptions, setVggWeights } from './vgg16.ts';
import { hashWeights, type VggWeights } from './weights.ts';

export interface SavedArtifacts {
  files: string[];
  bytes: number;
  format: string;
}

export async function saveArtifacts(a: {
  cfg: TrainConfig;
  modelDir: string;
  trainable: tf.LayersModel;
  lastCut: string | null;
  current: VggWeights;
  head: HeadOptions;
  weightsSource: string;
  weightsFile: { path: string; hash: string | null } | null;
}): Promise<SavedArtifacts> {
  let files: string[];
  let format: string;
  if (a.cfg.exportFullModel || a.lastCut === null) {
    // Export base + head as one flat tfjs model; frozen flags mirror the last phase.
    const full = buildFullModel(a.cfg.size, a.head);
    setVggWeights(full, a.current);
    copyWeightsByName(a.trainable, full);
    freezeThrough(full, a.lastCut);
    await saveModelDir(full, a.modelDir);
    full.dispose();
    files = ['model.json', 'weights.bin'];
    format = 'tfjs-layers-model';
  } else {
    await saveModelDir(a.trainable, a.modelDir);
    const base = {
      architecture: 'vgg16-notop',
      frozenThrough: a.lastCut,
      inputSize: a.cfg.size,
      preprocessing: a.cfg.preprocessing,
      weights: a.weightsSource,
      weightsFile: a.weightsFile,
      // Content hash of the frozen layers' kernels and biases (what the feature cache is keyed by).
      weightsSha256: hashWeights(a.current, a.lastCut),
      note: 'model.json/weights.bin hold only the layers after frozenThrough; load the base weights named here and stack them below.',
    };
    await writeFile(join(a.modelDir, 'base.json'), JSON.stringify(base, null, 2));
    files = ['model.json', 'weights.bin', 'base.json'];
    format = 'tfjs-layers-model (trained layers only) + base.json';
  }
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(a.modelDir, f))).size;
  return { files, bytes, format };
}
