// The trainer an agent starts, as one plain ES module built from this package's source when the agent
// starts. Under tsx every trainer process spent ~2.8 s of CPU before its first line (`cli.ts --help`:
// 2.8 s wall, 2.7 s user here), mostly tsx's module hooks and their garbage; the bundle loads in
// ~0.65 s. On a 2-core machine that start-up ran beside the previous run's epochs (the warm spare),
// so it was paid in every run of a sweep. Built at each agent start (~80 ms), so it is never older
// than the source the agent itself runs; npm packages stay external and load from node_modules.
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('..', import.meta.url));
/** Inside the package, so the bundle resolves npm packages from the same node_modules as the source. */
export const BUNDLE_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

/**
 * Builds dist/cli.mjs (and copies the ORT kernel worker beside it: ort-conv-client.ts loads it relative
 * to its own module). Returns the command that runs it, or null with the reason logged (the agent then
 * runs the source under tsx, as before).
 */
export async function bundleTrainer(log: (m: string) => void): Promise<string[] | null> {
  try {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [path.join(SRC, 'cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          // The contract workspace is TypeScript and is bundled; npm packages (native addons, wasm
          // files found next to their modules) are loaded as installed.
          name: 'external-packages',
          setup: (b) =>
            b.onResolve({ filter: /^[^./]/ }, (a) =>
              a.path.startsWith('@runboard/') ? undefined : { path: a.path, external: true },
            ),
        },
      ],
    });
    await mkdir(BUNDLE_DIR, { recursive: true });
    const file = path.join(BUNDLE_DIR, 'cli.mjs');
    // Atomic: two agents in one checkout, or a trainer starting while an agent restarts, never read half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, out.outputFiles[0]!.contents);
    await rename(tmp, file);
    const worker = path.join(BUNDLE_DIR, 'ort-conv-worker.mjs');
    await copyFile(path.join(SRC, 'engines', 'ort-conv-worker.mjs'), `${worker}.${process.pid}.tmp`);
    await rename(`${worker}.${process.pid}.tmp`, worker);
    return [process.execPath, file];
  } catch (err) {
    log(`could not bundle the trainer (${(err as Error).message}); trainers run under tsx`);
    return null;
  }
}
