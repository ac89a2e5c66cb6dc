/**
 * CPU time by party (server process, its PostgreSQL backends, this client), from /proc. On a shared 2-core box
 * wall-clock throughput moves with whatever else runs; CPU milliseconds per point hardly do, and give the
 * throughput the same work would reach on 2 otherwise idle cores: 2 cores / (CPU seconds per point).
 * PostgreSQL's shared background processes (WAL writer, checkpointer) are not included.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_URL } from './db.ts';

const TICK_MS = 10; // CLK_TCK = 100 on Linux

function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return null;
  }
}

export interface CpuSample {
  serverMs: number;
  postgresMs: number;
  clientMs: number;
}

export class CpuMeter {
  private admin: pg.Client | null = null;
  private readonly seen = new Map<number, number>(); // backend pid -> cpu at first sight

  constructor(
    private readonly serverPid: number,
    private readonly database: string,
  ) {}

  async start(): Promise<void> {
    this.admin = new pg.Client({ connectionString: ADMIN_URL });
    await this.admin.connect();
  }

  private async backends(): Promise<number[]> {
    const { rows } = await this.admin!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      this.database,
    ]);
    return rows.map((r) => r.pid);
  }

  private readonly last = new Map<number, number>(); // backend pid -> cpu at its latest sample

  /** Cumulative CPU so far; a backend counts from its first sample to its last (an exited one keeps its total). */
  async sample(): Promise<CpuSample> {
    for (const pid of await this.backends()) {
      const ms = procCpuMs(pid);
      if (ms === null) continue;
      if (!this.seen.has(pid)) this.seen.set(pid, ms);
      this.last.set(pid, ms);
    }
    let postgresMs = 0;
    for (const [pid, first] of this.seen) postgresMs += this.last.get(pid)! - first;
    const u = process.cpuUsage();
    return { serverMs: procCpuMs(this.serverPid) ?? 0, postgresMs, clientMs: (u.user + u.system) / 1000 };
  }

  async stop(): Promise<void> {
    await this.admin?.end();
  }
}

export function cpuDelta(a: CpuSample, b: CpuSample): CpuSample {
  return {
    serverMs: b.serverMs - a.serverMs,
    postgresMs: b.postgresMs - a.postgresMs,
    clientMs: b.clientMs - a.clientMs,
  };
}
