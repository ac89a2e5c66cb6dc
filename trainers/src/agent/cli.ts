// `npm run agent -- --server http://host:4000/graphql --concurrency 2 [--gpus 0,1] [--labels gpu,a100] [--api-key-file F]
//   [--data-root DIR]... (default ./data; launches may only read inside these) [--output-root DIR] (default ./runs)
//   [--entry-point name="command args"]... (programs launches may name besides the built-in trainer, vgg16;
//   split into argv without a shell, see command-line.ts; docs/own-script.md)`
// The key comes from RUNBOARD_API_KEY or --api-key-file, never argv; trainers get it through their environment.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readApiKey, rejectsKeyInArgv } from '../util/api-key.ts';
import { Agent } from './agent.ts';
import { entryPointsOf } from './command-line.ts';

const keyInArgv = rejectsKeyInArgv(process.argv.slice(2));
if (keyInArgv) {
  console.error(keyInArgv);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.RUNBOARD_SERVER ?? 'http://127.0.0.1:4000/graphql' },
    'api-key-file': { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    gpus: { type: 'string', default: '' },
    labels: { type: 'string', default: '' },
    name: { type: 'string' },
    grace: { type: 'string', default: '10' },
    command: { type: 'string' },
    'data-root': { type: 'string', multiple: true },
    'output-root': { type: 'string', default: 'runs' },
    'entry-point': { type: 'string', multiple: true },
  },
});
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
let apiKey: string | undefined;
try {
  apiKey = readApiKey(values['api-key-file']);
} catch (e) {
  console.error(`Invalid agent options:\n  --api-key-file: ${(e as Error).message}`);
  process.exit(2);
}
let declared: Record<string, string[]>;
try {
  declared = entryPointsOf(values['entry-point'] ?? []);
} catch (e) {
  console.error(`Invalid agent options:\n  --entry-point: ${(e as Error).message}`);
  process.exit(2);
}
const parsed = z
  .object({
    server: z.url(),
    apiKey: z.string().optional(),
    concurrency: z.coerce.number().int().min(1).max(256),
    gpus: z.array(z.string().regex(/^\d+$/, 'GPU indices are numbers')),
    labels: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)),
    name: z.string().optional(),
    graceSeconds: z.coerce.number().min(0),
    command: z.array(z.string()).optional(),
    dataRoots: z.array(z.string().min(1)).min(1),
    outputRoot: z.string().min(1),
    entryPoints: z.record(z.string(), z.array(z.string())),
  })
  .safeParse({
    server: values.server,
    apiKey,
    concurrency: values.concurrency,
    gpus: list(values.gpus!),
    labels: list(values.labels!),
    name: values.name,
    graceSeconds: values.grace,
    command: values.command ? values.command.split(' ').filter(Boolean) : undefined,
    dataRoots: values['data-root']?.length ? values['data-root'] : ['data'],
    outputRoot: values['output-root'],
    entryPoints: declared,
  });
if (!parsed.success) {
  console.error(
    `Invalid agent options:\n${parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')}`,
  );
  process.exit(2);
}
const opts = parsed.data;
// With GPUs, run at most one trainer per GPU unless asked otherwise.
const agent = new Agent({
  ...opts,
  concurrency: opts.gpus.length ? Math.min(opts.concurrency, opts.gpus.length) : opts.concurrency,
});
await agent.start();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, async () => {
    console.log(`[agent] ${sig}: stopping trainers`);
    await agent.stop(true);
    process.exit(0);
  });
}
