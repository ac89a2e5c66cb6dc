/**
 * The two ways a call fails, so a caller knows whether trying again can help:
 * - TransportError: the server was not reached, or answered "not now" (HTTP 429, 5xx, DATABASE_UNAVAILABLE).
 *   The retry policy already tried again where that was safe; a journal keeps the call for later.
 * - ApiError: the server answered and refused (GraphQL errors). The same call will be refused again.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    /** HTTP status when the server answered (429, 503, ...), undefined when it was not reached. */
    readonly status?: number,
    /** The GraphQL error code when the answer carried one (DATABASE_UNAVAILABLE). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface GraphQLErrorBody {
  message: string;
  extensions?: Record<string, unknown> & { code?: string };
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** extensions.code of the first error (BAD_USER_INPUT, NOT_FOUND, ...). */
    readonly code: string | undefined,
    readonly errors: readonly GraphQLErrorBody[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
