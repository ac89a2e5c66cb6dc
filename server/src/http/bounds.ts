import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Principal } from '../modules/auth/scopes.ts';
import type { AuthService } from '../modules/auth/service.ts';

/**
 * Bounds on the work a request can cause before and around the key check: how big a body may be for this caller,
 * and how many wrong keys one client address may try. See docs/security.md ("Bounded work").
 */

/** What a caller may send in one GraphQL body: anonymous a few KB, readers 1 MB, loggers MAX_BODY_BYTES. */
export function bodyCapFor(p: Principal, caps: { anonymous: number; logger: number }): number {
  if (!p.authRequired || p.scopes.has('LOG')) return caps.logger;
  if (p.scopes.size === 0) return caps.anonymous;
  return Math.min(caps.logger, 1024 * 1024);
}

/** Thrown instead of checking a key while the client address is throttled; answered 429 with Retry-After. */
export class AuthThrottled extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many wrong API keys from this address; retry in ${retryAfterSeconds} s.`);
  }
}

/** At most this many addresses are remembered; past it the oldest are forgotten (memory stays bounded). */
const MAX_TRACKED = 100_000;

/** Where the servers on one database count wrong keys together (auth_failures; see FailureThrottle). */
export type SharedFailures = (address: string, windowMs: number) => Promise<{ failures: number; endsInMs: number }>;

/**
 * Failed key checks per client address in fixed windows: after `max` failures within `windowMs`, further
 * requests from that address that present a key are answered 429 until the window ends, without hashing the key
 * or reading the body. Keyed by address only: a per-key lockout would let anyone lock a legitimate key out by
 * sending wrong secrets for its prefix (and stored keys carry 256 random bits, which no rate of guessing finds).
 *
 * With `shared`, the count is the one every server on the database keeps (issue #20: behind a balancer each server
 * counting alone let an address try `max` keys per server). Only a failure pays for it (one upsert, after the key
 * check that failed); the check before a key is hashed stays in memory, so a correct key costs no round trip. A
 * server learns that an address is throttled from its own next failure of that address, so in one window an address
 * gets at most `max` + (servers - 1) wrong keys checked (plus what it has in flight at once), not `max` x servers.
 */
export class FailureThrottle {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly shared: SharedFailures | null = null,
  ) {}

  /** Seconds until `addr` may try again, 0 when it may now. */
  retryAfter(addr: string, now = Date.now()): number {
    const w = this.windows.get(addr);
    if (!w || w.endsAt <= now || w.failures < this.max) return 0;
    return Math.max(1, Math.ceil((w.endsAt - now) / 1000));
  }

  /**
   * Counts one failure of `addr`: here at once (requests of that address already in flight see it), then in the
   * shared window, whose count (never below this server's) and end this server keeps. If the database does not
   * answer, this server's own count still bounds the address.
   */
  async fail(addr: string): Promise<void> {
    const now = Date.now();
    const w = this.windows.get(addr);
    const here =
      w && w.endsAt > now
        ? { failures: w.failures + 1, endsAt: w.endsAt }
        : { failures: 1, endsAt: now + this.windowMs };
    this.remember(addr, here);
    if (!this.shared) return;
    const all = await this.shared(addr, this.windowMs).catch(() => null);
    if (!all) return;
    const mine = this.windows.get(addr)?.failures ?? here.failures;
    this.remember(addr, { failures: Math.max(all.failures, mine), endsAt: Date.now() + all.endsInMs });
  }

  private remember(addr: string, w: { failures: number; endsAt: number }): void {
    this.windows.delete(addr);
    if (this.windows.size >= MAX_TRACKED) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(addr, w);
  }
}

/**
 * The address a request came from. A proxy on this machine (the dashboard's server relaying sign-in and API
 * calls) says whom it relays for in X-Forwarded-For; that header is believed only from a loopback peer, since
 * anyone else could write anything there.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  const forwarded = req.headers['x-forwarded-for'];
  if (loopback && typeof forwarded === 'string') {
    const last = forwarded.split(',').pop()!.trim();
    if (isIP(last)) return last;
  }
  return peer;
}

/**
 * How many of something (open WebSockets, uploads in flight) each caller holds now, against a cap. Entries are
 * removed at zero, so memory follows what is open, not who ever connected.
 */
export class OpenCounts {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes one for `who`; false (and nothing taken) when `who` already holds `max`. */
  take(who: string): boolean {
    const n = this.open.get(who) ?? 0;
    if (n >= this.max) return false;
    this.open.set(who, n + 1);
    return true;
  }

  full(who: string): boolean {
    return (this.open.get(who) ?? 0) >= this.max;
  }

  release(who: string): void {
    const n = (this.open.get(who) ?? 0) - 1;
    if (n > 0) this.open.set(who, n);
    else this.open.delete(who);
  }
}

/** Key checks with the failure throttle in front (before hashing) and behind (counting wrong keys). */
export class AuthGate {
  constructor(
    readonly auth: AuthService,
    readonly throttle: FailureThrottle,
  ) {}

  /** The caller, null for a wrong key; throws AuthThrottled while the address is throttled. */
  async authenticate(req: Pick<IncomingMessage, 'headers' | 'socket'>, presented: string | undefined) {
    if (presented === undefined || !this.auth.authRequired) return this.auth.authenticate(presented);
    const addr = clientAddress(req);
    const wait = this.throttle.retryAfter(addr);
    if (wait) throw new AuthThrottled(wait);
    const principal = await this.auth.authenticate(presented);
    if (!principal) await this.throttle.fail(addr);
    return principal;
  }
}
