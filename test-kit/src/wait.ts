/**
 * Polling instead of fixed sleeps: a loaded 2-core machine makes any fixed delay either too short (flaky)
 * or too long (slow). Tests wait for the condition they need, with a deadline generous enough that only a
 * real regression reaches it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeout?: number;
  /** Poll this often (default 100 ms). */
  interval?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Resolves with the first truthy value `cond` returns; rejects after `timeout`. Errors thrown by `cond`
 * count as "not yet" until the deadline, then the last one is reported.
 */
export async function waitFor<T>(
  cond: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const { timeout = 30_000, interval = 100, what = 'condition' } = opts;
  const until = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) {
      const why = lastError ? `; last error: ${(lastError as Error).message ?? lastError}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
    }
    await sleep(interval);
  }
}

/** Rejects when `p` takes longer than `ms` (for shutdowns that must not hang the suite). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sets environment variables for one test and restores the previous values (or absence) afterwards. */
export function setEnv(t: { after(fn: () => void): void }, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}
