import { isUuid } from '@runboard/contract/ids';
import { GraphQLError } from 'graphql';

/**
 * Stable error codes clients can switch on (`extensions.code`). Messages are for people;
 * codes are the contract. Keep this list in sync with the "Errors" section of docs/api.md.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_FILTER: 'INVALID_FILTER',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  RUN_NOT_ACTIVE: 'RUN_NOT_ACTIVE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  /** A live subscription's reader fell too far behind (pubsub/stream.ts); resume with `since`. */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function userError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const notFound = (what: string, id: string) =>
  userError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} does not exist.`, { id });

export const badInput = (field: string, message: string) =>
  userError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });

/** PostgreSQL rejects malformed UUIDs with 22P02; an id that cannot exist is simply "not found". */
export function assertId(what: string, id: string): string {
  if (!isUuid(id)) throw notFound(what, id);
  return id.toLowerCase();
}

const OUR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * A validation error wrapping one of our coded errors (a scalar refusing a literal) keeps our code instead of
 * Apollo's generic label; null otherwise. Database errors are mapped in db-errors.ts.
 */
export function wrappedCode(error: unknown): ErrorCode | null {
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError) {
    const inner = error.originalError.extensions?.code;
    if (typeof inner === 'string' && OUR_CODES.has(inner)) return inner as ErrorCode;
  }
  return null;
}
