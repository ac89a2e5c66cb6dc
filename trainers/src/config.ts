// Trainer configuration: CLI flags and/or a JSON file (--config), validated with zod so every
// problem is reported at once before any work starts. CLI flags override the file. The schema itself is the
// contract's (contract/src/trainer-config.ts): the server validates launches with the same one.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { configSchema, issueMessage, type TrainConfig } from '@runboard/contract/trainer-config';
import { z } from 'zod';
import { readApiKey, rejectsKeyInArgv } from './util/api-key.ts';

const FLAGS = {
  config: { type: 'string' },
  experiment: { type: 'string' },
  name: { type: 'string' },
  tag: { type: 'string', multiple: true },
  data: { type: 'string' },
  train: { type: 'string' },
  val: { type: 'string' },
  test: { type: 'string' },
  weights: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  size: { type: 'string' },
  batch: { type: 'string' },
  'fine-tune-from': { type: 'string' },
  'fine-tune-epochs': { type: 'string' },
  'fine-tune-lr': { type: 'string' },
  task: { type: 'string' },
  units: { type: 'string' },
  dropout: { type: 'string' },
  preprocessing: { type: 'string' },
  interpolation: { type: 'string' },
  augment: { type: 'boolean' },
  seed: { type: 'string' },
  'on-divergence': { type: 'string' },
  'prefix-engine': { type: 'string' },
  backend: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  output: { type: 'string' },
  'export-full-model': { type: 'boolean' },
  server: { type: 'string' },
  'api-key-file': { type: 'string' },
  offline: { type: 'boolean' },
  journal: { type: 'string' },
  'heartbeat-seconds': { type: 'string' },
  'run-id': { type: 'string' },
} as const;

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid trainer config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export { augmentSchema, configSchema, issueMessage, type TrainConfig } from '@runboard/contract/trainer-config';

export function validateConfig(raw: unknown): TrainConfig {
  const r = configSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${issueMessage(i, raw)}`));
}

type ParsedFlags = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: false; strict: true }>
>;

/** argv (without node/script) -> validated config. Unknown flags are errors too. */
export async function configFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<TrainConfig> {
  const keyInArgv = rejectsKeyInArgv(argv);
  if (keyInArgv) throw new ConfigError([keyInArgv]);
  let parsed: ParsedFlags;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new ConfigError([(e as Error).message]);
  }
  const v = parsed.values as Record<string, unknown>;
  let raw: Record<string, unknown> = {};
  if (typeof v.config === 'string') {
    try {
      raw = JSON.parse(await readFile(v.config, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError([`--config ${v.config}: ${(e as Error).message}`]);
    }
  }
  for (const [k, val] of Object.entries(v)) {
    if (k === 'config' || k === 'apiKeyFile' || k === 'api-key-file' || val === undefined) continue;
    if (k === 'tag') raw.tags = val;
    else raw[camel(k)] = val;
  }
  raw.server ??= env.RUNBOARD_SERVER;
  try {
    raw.apiKey ??= readApiKey(v['api-key-file'] as string | undefined, env);
  } catch (e) {
    throw new ConfigError([(e as Error).message]);
  }
  raw.runId ??= env.RUNBOARD_RUN_ID;
  return validateConfig(raw);
}
