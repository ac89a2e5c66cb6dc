// The agent's temporary folders (each run's config file). They live under one folder per agent process,
// named with its pid, so a killed agent's leftovers can be told from a running agent's on the same machine:
// the next agent to start removes those whose process is gone.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'runboard-agent-';
const OWNED = /^runboard-agent-(\d+)-/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This agent's own temporary folder (removed by stop(); left behind only when the process is killed). */
export function agentTempRoot(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
}

/** Removes the temporary folders of agents that are no longer running; returns what it removed. */
export async function removeStaleTempRoots(): Promise<string[]> {
  const dir = os.tmpdir();
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(OWNED.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => {},
    );
  }
  return removed;
}
