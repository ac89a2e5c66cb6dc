// Trainer configuration: CLI flags and/or a JSON file (--config), validated with zod so every
// problem is reported at once before any work starts. CLI flags override the file.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_AUGMENT } from './data/augment.ts';
import { MIN_INPUT_SIZE, VGG16_LAYER_NAMES } from './model/vgg16-spec.ts';

const posInt = z.coerce.number().int().positive();
const lr = z.coerce.number().positive().max(10);

export const augmentSchema = z.object({
  rotationRange: z.coerce.number().min(0).max(180).default(DEFAULT_AUGMENT.rotationRange),
  widthShiftRange: z.coerce.number().min(0).max(1).default(DEFAULT_AUGMENT.widthShiftRange),
  heightShiftRange: z.coerce.number().min(0).max(1).default(DEFAULT_AUGMENT.heightShiftRange),
  shearRange: z.coerce.number().min(0).max(90).default(DEFAULT_AUGMENT.shearRange),
  zoomRange: z.coerce.number().min(0).max(0.95).default(DEFAULT_AUGMENT.zoomRange),
  horizontalFlip: z.boolean().default(DEFAULT_AUGMENT.horizontalFlip),
});

const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

export const configSchema = z
  .object({
    experiment: z.string().min(1, 'is required'),
    name: z.string().min(1).optional(),
    tags: z.array(z.string()).default([]),
    /**
     * A data set by name ("cats_vs_dogs", "fashion_mnist:0,9[@N]") or a folder holding train/ and
     * validation/ (test/ optional), looked up under the agent's data roots. Or give train and val.
     */
    data: z.string().min(1).optional(),
    train: z.string().min(1).optional(),
    val: z.string().min(1).optional(),
    test: z.string().min(1).optional(),
    /** "imagenet" (Keras's VGG16 notop file, fetched and cached), "random" (asked for), or a .h5 file / tfjs folder. */
    weights: z.string().min(1).default('imagenet'),
    /** Also save the whole model (59 MB with the frozen base); by default only the trained layers are saved. */
    exportFullModel: bool.default(false),
    epochs: z.coerce.number().int().min(0).default(30),
    lr: lr.default(2e-5),
    size: z.coerce.number().int().min(MIN_INPUT_SIZE, `must be >= ${MIN_INPUT_SIZE}`).max(1024).default(150),
    batch: posInt.default(20),
    fineTuneFrom: z.enum(VGG16_LAYER_NAMES as [string, ...string[]]).optional(),
    fineTuneEpochs: z.coerce.number().int().min(0).default(10),
    fineTuneLr: lr.default(1e-5),
    task: z.enum(['auto', 'binary', 'categorical']).default('auto'),
    units: posInt.default(256),
    dropout: z.coerce.number().min(0).lt(1).default(0),
    preprocessing: z.enum(['rescale', 'caffe']).default('rescale'),
    interpolation: z.enum(['nearest', 'bilinear', 'bicubic']).default('nearest'),
    augment: bool.default(false),
    augmentation: augmentSchema.default(augmentSchema.parse({})),
    seed: z.coerce.number().int().min(0).default(42),
    prefixEngine: z.enum(['auto', 'onnx', 'tfjs']).default('auto'),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    cacheDir: z.string().default('.data/feature-cache'),
    noCache: bool.default(false),
    output: z.string().optional(),
    server: z.url().optional(),
    apiKey: z.string().optional(),
    offline: bool.default(false),
    journal: z.string().optional(),
    heartbeatSeconds: z.coerce.number().positive().default(15),
    /** A run created elsewhere (launchRun): an agent passes it, and the trainer starts that run instead of creating one. */
    runId: z.uuid().optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.data && (!c.train || !c.val))
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message:
          'is required (cats_vs_dogs, fashion_mnist:A,B, or a folder with train/ and validation/), unless train and val are given',
      });
    if (c.epochs === 0 && !c.fineTuneFrom)
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: 'must be > 0 unless fine-tuning' });
    if (c.fineTuneFrom && !c.fineTuneFrom.includes('conv'))
      ctx.addIssue({ code: 'custom', path: ['fineTuneFrom'], message: 'must name a conv layer (e.g. block5_conv1)' });
  });

export type TrainConfig = z.infer<typeof configSchema>;

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
  'prefix-engine': { type: 'string' },
  backend: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  output: { type: 'string' },
  'export-full-model': { type: 'boolean' },
  server: { type: 'string' },
  'api-key': { type: 'string' },
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

/**
 * An issue's message with the value that was given: z.coerce.number() turns "fast" into NaN and
 * would say "received NaN", which names neither the field's type nor what the user wrote.
 */
export function issueMessage(i: z.core.$ZodIssue, raw: unknown): string {
  if (i.code === 'invalid_type' && i.expected === 'number') {
    const given = i.path.reduce<unknown>(
      (node, k) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[k] : undefined),
      raw,
    );
    return `expected a number, got ${JSON.stringify(given) ?? 'nothing'}`;
  }
  return i.message;
}

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
    if (k === 'config' || val === undefined) continue;
    if (k === 'tag') raw.tags = val;
    else raw[camel(k)] = val;
  }
  raw.server ??= env.RUNBOARD_SERVER;
  raw.apiKey ??= env.RUNBOARD_API_KEY;
  raw.runId ??= env.RUNBOARD_RUN_ID;
  return validateConfig(raw);
}
