import type { IncomingMessage } from 'node:http';

/**
 * Network exposure checks shared by the API server and the dashboard's server: which addresses count as
 * loopback, which Host headers a loopback server answers (DNS rebinding), and which browser Origins may call.
 */

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * A server bound to loopback answers only Host headers naming loopback with its port: a page on
 * attacker.example whose DNS later resolves to 127.0.0.1 sends `Host: attacker.example` and is refused.
 * Servers bound to other addresses sit behind names we cannot know; they rely on keys instead.
 */
export function hostAllowed(bindHost: string, hostHeader: string | undefined): boolean {
  if (!isLoopbackHost(bindHost)) return true;
  if (!hostHeader) return false;
  // DNS rebinding sends a foreign host name; the port is not checked, so SSH tunnels and local proxies that
  // forward another port to this one (Host: localhost:8080) keep working.
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(hostHeader.trim());
}

/** Origins allowed by default: the dashboard's own origin (on the same host, WEB_PORT). */
export function defaultOrigins(bindHost: string, webPort: number): string[] {
  if (isLoopbackHost(bindHost) || bindHost === '0.0.0.0' || bindHost === '::') {
    return [`http://localhost:${webPort}`, `http://127.0.0.1:${webPort}`, `http://[::1]:${webPort}`];
  }
  const h = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return [`http://${h}:${webPort}`];
}

/** Non-browser clients send no Origin and are let through (they authenticate with keys); browsers must be listed. */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  if (origin === undefined) return true;
  return allowed.includes('*') || allowed.includes(origin.toLowerCase().replace(/\/$/, ''));
}

/** The key a request carries: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  const header = req.headers['x-api-key'];
  return (Array.isArray(header) ? header[0] : header) || undefined;
}
