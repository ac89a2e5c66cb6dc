import type { CombinedError } from './data';

export interface ApiProblem {
  message: string;
  code?: string;
  /** For INVALID_FILTER: 0-based offset into the filter text. */
  position?: number;
  /** True when the API could not be reached at all (server down, wrong URL). */
  offline?: boolean;
}

/** Turns urql's CombinedError into something a person can act on. */
export function describeError(error: CombinedError | undefined | null, apiUrl?: string): ApiProblem | null {
  if (!error) return null;
  if (error.networkError) {
    return {
      message: `Cannot reach the Runboard API${apiUrl ? ` at ${apiUrl}` : ''}: ${error.networkError.message}. Is the server running?`,
      offline: true,
    };
  }
  const first = error.graphQLErrors[0];
  if (!first) return { message: error.message };
  const ext = (first.extensions ?? {}) as { code?: string; position?: number };
  // The dashboard's server relays /graphql; it answers API_UNREACHABLE when the API behind it is down.
  if (ext.code === 'API_UNREACHABLE') {
    return {
      message: `Cannot reach the Runboard API${apiUrl ? ` behind ${apiUrl}` : ''}: ${first.message} Is the server running?`,
      offline: true,
    };
  }
  return {
    message: first.message,
    code: ext.code,
    position: typeof ext.position === 'number' ? ext.position : undefined,
  };
}

export function problemFromUnknown(err: unknown): ApiProblem {
  if (err && typeof err === 'object' && 'graphQLErrors' in err) return describeError(err as CombinedError)!;
  return { message: err instanceof Error ? err.message : String(err) };
}
