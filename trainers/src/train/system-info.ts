import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

/** A package's version; packages whose `exports` hide package.json (sharp, h5wasm) are found from their entry. */
const version = (p: string) => {
  try {
    return (require(`${p}/package.json`) as { version: string }).version;
  } catch {
    try {
      for (let dir = dirname(require.resolve(p)); dir !== dirname(dir); dir = dirname(dir)) {
        const pkg = (() => {
          try {
            return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
          } catch {
            return null;
          }
        })();
        if (pkg?.name === p) return pkg.version ?? null;
      }
    } catch {
      // not installed
    }
    return null;
  }
};

/** Host facts recorded on every run; engines are added by the trainer once chosen. */
export function hostInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    // The module this code runs from: an agent's bundled trainer (trainers/dist/cli.mjs) or the source under tsx.
    trainerModule: fileURLToPath(import.meta.url),
    // Set by a trainer agent (trainers/src/agent): which GPU it gave this run, and which attempt this is.
    gpu: process.env.CUDA_VISIBLE_DEVICES ?? null,
    attempt: process.env.RUNBOARD_ATTEMPT !== undefined ? Number(process.env.RUNBOARD_ATTEMPT) : null,
    packages: {
      '@tensorflow/tfjs': tf.version.tfjs,
      '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
      'onnxruntime-node': version('onnxruntime-node'),
      sharp: version('sharp'),
      h5wasm: version('h5wasm'),
    },
  };
}
