import { readFileSync } from 'node:fs';

/**
 * API keys never travel on the command line: every user on the machine sees argv (`ps`, /proc/<pid>/cmdline).
 * They come from RUNBOARD_API_KEY or from a file (`--api-key-file`, e.g. a mounted secret).
 */
export const API_KEY_ARGV_ERROR =
  '--api-key is not accepted: a key on the command line is visible to every user of the machine (ps). ' +
  'Set RUNBOARD_API_KEY in the environment or pass --api-key-file FILE.';

export function rejectsKeyInArgv(argv: readonly string[]): string | null {
  return argv.some((a) => a === '--api-key' || a.startsWith('--api-key=')) ? API_KEY_ARGV_ERROR : null;
}

/** The key from the file when one is named, else from the environment; undefined when neither gives one. */
export function readApiKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file) {
    const key = readFileSync(file, 'utf8').trim();
    if (!key) throw new Error(`--api-key-file ${file} is empty`);
    return key;
  }
  return env.RUNBOARD_API_KEY || undefined;
}
