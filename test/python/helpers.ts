// Runs Python the way users do: Debian's /usr/bin/python3 (which has python3-torch and python3-pandas; the
// `python3` first on PATH may be another interpreter without them), with the client from ./python on its path.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const CLIENT_DIR = path.resolve('python');

export interface PyResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface PyOptions {
  env?: Record<string, string | undefined>;
  /** Called with the process once spawned (to watch it, read /proc/<pid>, or kill it). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called for every complete stdout line as it arrives. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  args?: string[];
}

/** Runs `code` with `python3 -c`-like semantics but from stdin, so nothing of it shows in argv. */
export function runPython(code: string, opts: PyOptions = {}): Promise<PyResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PYTHONPATH: CLIENT_DIR, PYTHONUNBUFFERED: '1', ...opts.env }))
    if (v !== undefined) env[k] = v;
  const child = spawn(PYTHON, ['-', ...(opts.args ?? [])], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  opts.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    partial += c.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const l of lines) opts.onLine?.(l);
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (process.env.TEST_PYTHON_LOG) process.stderr.write(`[python] ${c}`);
  });
  child.stdin!.end(code);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Fails with the script's output when it did not exit 0. */
export function assertOk(r: PyResult): PyResult {
  if (r.code !== 0) throw new Error(`python exited ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}
