/**
 * Entry points: the named programs an agent runs (`npm run agent -- --entry-point keras-seed="python3 train.py"`).
 * A launch names one; the command behind the name is the agent's own and never travels in a request. The
 * built-in VGG16 trainer is the entry point `vgg16`, the default of a launch that names none.
 */
export const BUILTIN_ENTRY_POINT = 'vgg16';

/** Names become part of queue names, so they keep to a small alphabet. */
export const ENTRY_POINT_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function entryPointNameProblem(name: string): string | null {
  return ENTRY_POINT_NAME_RE.test(name) ? null : 'letters, digits, _ and - only (1 to 64 characters)';
}

/** What an agent reports about each entry point at registration (Agent.entryPoints). */
export interface EntryPointInfo {
  name: string;
  /** The program and its arguments, as the agent will start it (display only: the server never sends it back). */
  command: string[];
  /** True for the built-in VGG16 trainer, whose config follows Query.trainerConfigSchema. */
  builtin: boolean;
}
