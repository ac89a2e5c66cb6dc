import os from 'node:os';
import { createRequire } from 'node:module';
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
    packages: {
      '@tensorflow/tfjs': tf.version.tfjs,
      '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
      'onnxruntime-node': version('onnxruntime-node'),
      sharp: version('sharp'),
      h5wasm: version('h5wasm'),
    },
  };
}
