// Runs of entry points other than the built-in trainer: any program the agent declared
// (--entry-point name="command args"). The agent does for such a program what the built-in trainer does
// for itself: it starts the run, keeps it alive while the process lives and ends it by exit code.
// The program gets its config as a JSON file and its connection through the environment, never argv or a
// shell; it runs in its own folder under the agent's output root.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoots, sanitiseSegment } from './path-confinement.ts';

export interface ProgramRun {
  id: string;
  name: string;
  experiment: string;
  entryPoint: string;
  attempt: number;
  config: Record<string, unknown>;
}

/** `<output root>/<experiment>/<run>-<id prefix>`, names sanitised and the result confined to the root. */
export async function programRunDir(
  run: ProgramRun,
  outputRoot: string,
): Promise<{ runDir: string; journalDir: string }> {
  const rel = path.join(
    sanitiseSegment(run.experiment, 'experiment'),
    `${sanitiseSegment(run.name, 'run')}-${run.id.slice(0, 8)}`,
  );
  const runDir = await resolveInRoots(rel, [outputRoot], 'run folder');
  await mkdir(runDir, { recursive: true });
  return { runDir, journalDir: await resolveInRoots('journal', [outputRoot], 'journal') };
}

/** The config file (0600: a config may hold anything the launcher put in it), in the agent's scratch folder. */
export async function writeConfigFile(scratch: string, config: Record<string, unknown>): Promise<string> {
  const file = path.join(scratch, 'config.json');
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/**
 * What the program learns about its run: everything through the environment. RUNBOARD_JOURNAL_DIR keeps the
 * Python client's journal under the output root, as the built-in trainer's is.
 */
export function programEnv(
  run: ProgramRun,
  opts: { server: string; apiKey?: string; configFile: string; runDir: string; journalDir: string; gpu: string | null },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RUNBOARD_API: opts.server,
    RUNBOARD_SERVER: opts.server,
    RUNBOARD_RUN_ID: run.id,
    RUNBOARD_RUN_NAME: run.name,
    RUNBOARD_EXPERIMENT: run.experiment,
    RUNBOARD_ENTRY_POINT: run.entryPoint,
    RUNBOARD_ATTEMPT: String(run.attempt),
    RUNBOARD_CONFIG: opts.configFile,
    RUNBOARD_RUN_DIR: opts.runDir,
    RUNBOARD_JOURNAL_DIR: opts.journalDir,
    ...(opts.apiKey ? { RUNBOARD_API_KEY: opts.apiKey } : {}),
    ...(opts.gpu !== null ? { CUDA_VISIBLE_DEVICES: opts.gpu } : {}),
  };
}

/**
 * Linux's setpriv sets a parent-death signal and then execs the program (it stays the agent's direct child):
 * if the agent is killed outright, the program gets SIGTERM instead of running on as an orphan whose run is
 * requeued elsewhere. (The built-in trainer notices through its IPC channel instead.)
 */
const SETPRIV = '/usr/bin/setpriv';
const hasSetpriv = process.platform === 'linux' && existsSync(SETPRIV);

/**
 * Starts the program in its own process group, so a cancel reaches whatever it started too (data loader
 * workers, a wrapper script's children): see killProgram.
 */
export function spawnProgram(command: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const [cmd, ...args] = hasSetpriv ? [SETPRIV, '--pdeathsig', 'SIGTERM', '--', ...command] : command;
  return spawn(cmd!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Signals the program's whole process group; falls back to the process when the group is already gone. */
export function killProgram(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
