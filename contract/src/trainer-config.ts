/**
 * The trainer's configuration: the contract between launchRun (the server validates a launch with it, strictly)
 * and the trainer process (which parses its --config and flags with it). Shared so that neither package imports
 * the other's source. The constants it needs from the model (layer names, minimum input size) and the data
 * pipeline (augmentation defaults) are stated here; the trainers check theirs against them in a test.
 */
import { z } from 'zod';

/** Layer names of the VGG16 conv base, as keras.applications.VGG16(include_top=False) names them. */
export const VGG16_LAYER_NAMES = [
  'block1_conv1',
  'block1_conv2',
  'block1_pool',
  'block2_conv1',
  'block2_conv2',
  'block2_pool',
  'block3_conv1',
  'block3_conv2',
  'block3_conv3',
  'block3_pool',
  'block4_conv1',
  'block4_conv2',
  'block4_conv3',
  'block4_pool',
  'block5_conv1',
  'block5_conv2',
  'block5_conv3',
  'block5_pool',
] as const;

/** Five 2x2 pools halve the input five times: below 32 pixels the last pool has nothing left. */
export const MIN_INPUT_SIZE = 32;

/** ImageDataGenerator-style augmentation defaults (the Keras example's values). */
export const DEFAULT_AUGMENT = {
  rotationRange: 40,
  widthShiftRange: 0.2,
  heightShiftRange: 0.2,
  shearRange: 0.2,
  zoomRange: 0.2,
  horizontalFlip: true,
};

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
    fineTuneFrom: z.enum(VGG16_LAYER_NAMES).optional(),
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
    /**
     * A non-finite loss, metric or weight, or every misclassified image stuck at the cross-entropy clip:
     * "stop" ends the run as FAILED with the cause (no model saved); "warn" prints the cause once and goes on.
     */
    onDivergence: z.enum(['stop', 'warn']).default('stop'),
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
