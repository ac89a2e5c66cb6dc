// Save/load tfjs layers models to a folder (model.json + weights.bin). Plain @tensorflow/tfjs
// has no file:// handler (that lives in tfjs-node, which can't be installed here).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export function dirSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (a) => {
    await mkdir(dir, { recursive: true });
    const data = a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData) : new ArrayBuffer(0);
    await writeFile(join(dir, 'weights.bin'), Buffer.from(data));
    const json = {
      modelTopology: a.modelTopology,
      format: 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy ?? null,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
    };
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  });
}

export interface ModelFolder {
  json: { modelTopology?: unknown; weightsManifest: tf.io.WeightsManifestConfig; format?: string };
  weightData: ArrayBuffer;
  weightSpecs: tf.io.WeightsManifestEntry[];
}

/** Read model.json and concatenate its weight shards in manifest order. */
export async function readModelFolder(pathOrJson: string): Promise<ModelFolder> {
  const jsonPath = pathOrJson.endsWith('.json') ? pathOrJson : join(pathOrJson, 'model.json');
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelFolder['json'];
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath}: no weightsManifest`);
  const buffers: Buffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(await readFile(join(dirname(jsonPath), p)));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  return {
    json,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

export function dirLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const f = await readModelFolder(dir);
      return {
        modelTopology: f.json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        format: f.json.format,
        weightSpecs: f.weightSpecs,
        weightData: f.weightData,
      };
    },
  };
}

export async function saveModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(dirSaveHandler(dir));
}

export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(dirLoadHandler(dir));
}
