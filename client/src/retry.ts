/**
 * When a failed attempt may be repeated, and how long to wait first.
 *
 * Repeating is safe when the server certainly did not act: the connection was refused (nothing was sent),
 * it answered 429 (not processed), or it answered DATABASE_UNAVAILABLE (every write is one transaction,
 * so nothing was committed). After a timeout, a reset connection or a 502/504 the outcome is unknown: the
 * call is repeated only when it is idempotent (see idempotence.ts), so a createRun or appendRunLogs is
 * never sent twice blindly.
 */
export interface RetryPolicy {
  /** Stop retrying this long after the first attempt (ms); Infinity retries until success or close(). */
  deadlineMs: number;
  /** The first backoff; it doubles per attempt up to maxDelayMs (and is jittered). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { deadlineMs: 60_000, baseDelayMs: 200, maxDelayMs: 5_000 };
/** A single attempt: what tests asserting the server's exact answer use. */
export const NO_RETRY: RetryPolicy = { deadlineMs: 0, baseDelayMs: 0, maxDelayMs: 0 };

/** Socket errors raised before a request could reach the server: repeating them is always safe. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export type Attempt =
  | { kind: 'answered'; status: number; retryAfter: string | null; codes: readonly string[] }
  | { kind: 'failed'; code: string | undefined; reusedSocket: boolean };

export type Verdict = { retry: false } | { retry: true; afterMs: number | null };

/** Whether `attempt` may be repeated, and the wait the server asked for (Retry-After) if any. */
export function judge(attempt: Attempt, idempotent: boolean): Verdict {
  if (attempt.kind === 'failed') {
    // A kept-alive socket the server had already closed fails on write, before the server read anything
    // (Node's documented case for retrying: req.reusedSocket with ECONNRESET).
    const notSent = NOT_SENT.has(attempt.code ?? '') || (attempt.reusedSocket && attempt.code === 'ECONNRESET');
    return notSent || idempotent ? { retry: true, afterMs: null } : { retry: false };
  }
  const { status, codes } = attempt;
  if (status === 429 || codes.includes('DATABASE_UNAVAILABLE'))
    return { retry: true, afterMs: retryAfterMs(attempt.retryAfter) };
  if (status === 502 || status === 503 || status === 504)
    return idempotent ? { retry: true, afterMs: retryAfterMs(attempt.retryAfter) } : { retry: false };
  return { retry: false };
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with equal jitter: half the step fixed, half random, so clients do not retry in lockstep. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 20));
  return step / 2 + (random() * step) / 2;
}
