// npm run data:fashion-mnist -- --out data/fmnist --classes 0,9 --size 48 [--per-class N]
import { parseArgs } from 'node:util';
import { exportFashionMnist, FMNIST_CLASSES } from '@runboard/trainers/datasets';
import { z } from 'zod';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    classes: { type: 'string', default: '0,9' },
    size: { type: 'string', default: '48' },
    'per-class': { type: 'string' },
    'val-per-class': { type: 'string' },
    'test-per-class': { type: 'string' },
    'val-fraction': { type: 'string', default: '0.1' },
    source: { type: 'string' },
  },
});

const int = z.coerce.number().int().positive();
const schema = z.object({
  out: z.string().min(1, '--out is required'),
  classes: z
    .string()
    .transform((s) => s.split(',').map(Number))
    .pipe(z.array(z.number().int().min(0).max(9)).min(2)),
  size: int.min(8),
  perClass: int.optional(),
  valPerClass: int.optional(),
  testPerClass: int.optional(),
  valFraction: z.coerce.number().gt(0).lt(1),
  sourceDir: z.string().optional(),
});
const parsed = schema.safeParse({
  out: values.out ?? '',
  classes: values.classes,
  size: values.size,
  perClass: values['per-class'],
  valPerClass: values['val-per-class'],
  testPerClass: values['test-per-class'],
  valFraction: values['val-fraction'],
  sourceDir: values.source,
});
if (!parsed.success) {
  for (const i of parsed.error.issues) console.error(`--${i.path.join('.')}: ${i.message}`);
  process.exit(2);
}
const t0 = Date.now();
const s = await exportFashionMnist(parsed.data);
for (const [split, c] of Object.entries(s.counts))
  console.log(
    `${split}: ${Object.entries(c)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
console.log(
  `wrote ${parsed.data.out} (${parsed.data.classes.map((c) => FMNIST_CLASSES[c]).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
);
