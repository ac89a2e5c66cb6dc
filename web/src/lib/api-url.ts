export const DEFAULT_API_URL = 'http://127.0.0.1:4000/graphql';

/** The WebSocket URL is the HTTP one with ws(s):// (subscriptions share the /graphql path). */
export function resolveApiUrls(raw: string | undefined): { http: string; ws: string } {
  const http = raw?.trim() ? raw.trim() : DEFAULT_API_URL;
  return { http, ws: http.replace(/^http/, 'ws') };
}

/** Base of the API server (for artifact download links), e.g. http://127.0.0.1:4000. */
export function apiOrigin(apiUrl: string): string {
  try {
    return new URL(apiUrl).origin;
  } catch {
    return '';
  }
}
