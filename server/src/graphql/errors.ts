import { GraphQLError } from 'graphql';

/**
 * Stable error codes clients can switch on (`extensions.code`). Messages are for people;
 * codes are the contract. Keep this list in sync with the README's "Errors" section.
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
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function assertId(what: string, id: string): string {
  if (!UUID_RE.test(id)) throw notFound(what, id);
  return id.toLowerCase();
}

const OUR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * The stable code for an error Apollo would otherwise label generically, or null to keep its label:
 * - a validation error wrapping one of our coded errors (a scalar refusing a literal) keeps our code;
 * - a PostgreSQL data exception (SQLSTATE class 22: a value the database cannot represent) or program
 *   limit (54) is bad input, not a server fault. The failed statement rolled its transaction back.
 */
export function refinedCode(error: unknown, original: unknown): ErrorCode | null {
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError) {
    const inner = error.originalError.extensions?.code;
    if (typeof inner === 'string' && OUR_CODES.has(inner)) return inner as ErrorCode;
  }
  return databaseCodes(original).some((c) => BAD_VALUE_SQLSTATE.test(c) || PRISMA_BAD_VALUE.has(c))
    ? ErrorCode.BAD_USER_INPUT
    : null;
}

const BAD_VALUE_SQLSTATE = /^(22|54)[0-9A-Z]{3}$/;
/** Prisma's own codes for a value the column cannot take (too long, invalid, out of range, malformed). */
const PRISMA_BAD_VALUE = new Set(['P2000', 'P2006', 'P2007', 'P2020', 'P2023']);

/** Codes on an error from pg (`code`) or Prisma's driver adapter (`meta.driverAdapterError.cause.originalCode`). */
function databaseCodes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as Record<string, unknown>;
  const own = [e.code, e.originalCode].filter((c): c is string => typeof c === 'string');
  return [
    ...own,
    ...['cause', 'meta', 'driverAdapterError'].flatMap((k) => (k in e ? databaseCodes(e[k], depth + 1) : [])),
  ];
}
