import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);
const version = (p: string) => {
  try {
    return (require(`${p}/package.json`) as { version: string }).version;
  } catch {
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
