import { GraphQLError } from 'graphql';

/**
 * The one mapping from database failures to API errors. Resolvers and services let database errors
 * propagate; the server's error formatter (http/server.ts) calls `apiErrorOf` once per error.
 *
 * - Connection-level failures (PostgreSQL down or restarting, a killed backend, pool checkout timeout)
 *   become DATABASE_UNAVAILABLE: retryable, HTTP 503 with Retry-After. Nothing was committed, because
 *   every write is one transaction.
 * - Constraint and input errors that validation should have caught become the codes a client can act on,
 *   never INTERNAL_SERVER_ERROR.
 */
export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** SQLSTATE classes and node errors that mean "the connection, not the statement, failed". */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|EPIPE|Client has encountered a connection error|Connection ended|the database system is (starting up|shutting down|in recovery)|Can't reach database server|Pool is ending|Cannot use a pool after calling end/i;

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

function messagesOf(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as Record<string, unknown>;
  return [
    ...(typeof e.message === 'string' ? [e.message] : []),
    ...['cause', 'meta', 'driverAdapterError'].flatMap((k) => (k in e ? messagesOf(e[k], depth + 1) : [])),
  ];
}

export function isConnectionError(err: unknown): boolean {
  const codes = databaseCodes(err);
  if (
    codes.some((c) => CONNECTION_SQLSTATES.has(c) || /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|P1001|P1017)$/.test(c))
  )
    return true;
  return messagesOf(err).some((m) => CONNECTION_MESSAGES.test(m));
}

/** SQLSTATEs of statement errors that are the caller's input, with the API code for each. */
const INPUT_SQLSTATES: Record<string, { code: string; message: string }> = {
  '23505': { code: 'ALREADY_EXISTS', message: 'That already exists.' },
  '23503': { code: 'NOT_FOUND', message: 'A referenced object does not exist.' },
  '22P02': { code: 'BAD_USER_INPUT', message: 'A value has the wrong format.' },
  '22P05': { code: 'BAD_USER_INPUT', message: 'Text contains a character PostgreSQL cannot store (NUL).' },
  '22021': { code: 'BAD_USER_INPUT', message: 'Text is not valid UTF-8.' },
  '22008': { code: 'BAD_USER_INPUT', message: 'A date or time is out of range.' },
  '22003': { code: 'BAD_USER_INPUT', message: 'A number is out of range.' },
  '54001': { code: 'BAD_USER_INPUT', message: 'A value is nested too deeply.' },
  '54000': { code: 'BAD_USER_INPUT', message: 'A value is too large.' },
  '57014': {
    code: 'TIMEOUT',
    message:
      'The request ran longer than the server allows (STATEMENT_TIMEOUT_MS) and was cancelled; nothing of it was written.',
  },
};
const BAD_VALUE_SQLSTATE = /^(22|54)[0-9A-Z]{3}$/;
/** Prisma's own codes for a value the column cannot take (too long, invalid, out of range, malformed). */
const PRISMA_BAD_VALUE = new Set(['P2000', 'P2006', 'P2007', 'P2020', 'P2023']);

/** The API error for a database error, or null when `err` is not one we recognise (a bug: logged as internal). */
export function apiErrorOf(err: unknown): GraphQLError | null {
  if (err instanceof GraphQLError) return null;
  if (isConnectionError(err)) {
    return new GraphQLError('The database is unavailable right now; retry shortly.', {
      extensions: { code: DATABASE_UNAVAILABLE, retryable: true, http: { status: 503 } },
    });
  }
  for (const code of databaseCodes(err)) {
    const known = INPUT_SQLSTATES[code];
    if (known) return new GraphQLError(known.message, { extensions: { code: known.code, sqlstate: code } });
    // Any other data exception (class 22: a value the database cannot represent) or program limit (54), and
    // Prisma's codes for a value a column cannot take, are bad input; the statement rolled its transaction back.
    if (BAD_VALUE_SQLSTATE.test(code) || PRISMA_BAD_VALUE.has(code))
      return new GraphQLError('A value was refused by the database.', {
        extensions: { code: 'BAD_USER_INPUT', sqlstate: code },
      });
    if (code === 'P2002') return new GraphQLError('That already exists.', { extensions: { code: 'ALREADY_EXISTS' } });
    if (code === 'P2025') return new GraphQLError('Not found.', { extensions: { code: 'NOT_FOUND' } });
  }
  return null;
}
